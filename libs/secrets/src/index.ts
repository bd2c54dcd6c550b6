export * from './secrets.module';
export * from './secret-box';
export * from './secret.exception';
export * from './secret-mask';
export * from './entities/tenant-data-key.entity';
export * from './master-key-rotation.module';
export * from './master-key-rotation.service';
export * from './master-key-rotation';
