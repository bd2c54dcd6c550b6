// The public surface of @conduit/secrets: only what other packages use. Everything else is internal.
export { MasterKeyRotationModule } from './master-key-rotation.module';
export { MasterKeyRotation } from './master-key-rotation.service';
export { SecretBox } from './secret-box';
export type { SecretPlane } from './secret-box';
export { mask } from './secret-mask';
export { SecretsModule } from './secrets.module';
