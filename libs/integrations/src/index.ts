// The public surface of @conduit/integrations: only what other packages use. Everything else is internal.
export * from './fields';
export { CatalogueCounters } from './repositories/catalogue-counters';
export type { CounterKind } from './repositories/catalogue-counters';
export { IntegrationDependents } from './integration-dependents';
export { InstanceUsers } from './instances/instance-users';
export type { InstanceUserSource } from './instances/instance-users';
export type { DependentsSource, IntegrationDependent, IntegrationRef } from './integration-dependents';
export { IntegrationEntity, INTEGRATION_STATUSES } from './entities/integration.entity';
export type { IntegrationStatus } from './entities/integration.entity';
export { IntegrationsService, logoUrl } from './integrations.service';
// The create and update bodies: what the transfer import validates each imported resource against.
export { CreateIntegrationDto, IntegrationResponse, UpdateIntegrationDto } from './dto/integration.dto';
export { InstanceResponse, SeedInstanceDto, UpdateInstanceDto } from './instances/instance.dto';
export { IntegrationsApiModule } from './integrations-api.module';
export { IntegrationsModule } from './integrations.module';
export { INTEGRATIONS_MIGRATIONS } from './migrations';
export { DEFAULT_LOGO, MAX_LOGO_BYTES, acceptLogo } from './logos/logo-content';
export type { LogoContent } from './logos/logo-content';
export { InstancesService, instanceNotFound } from './instances/instances.service';
export {
  InstanceEntity,
  INSTANCE_STATUSES,
  AUTH_TYPES,
  HEALTH_STATUSES,
  DEFAULT_HEALTH_FAILURE_THRESHOLD,
} from './entities/instance.entity';
export type {
  AuthSettings,
  AuthType,
  HealthCheck,
  HealthResult,
  HealthStatus,
  InstanceStatus,
  RateLimit,
} from './entities/instance.entity';
export { InstanceHealthRepository } from './repositories/instance-health.repository';
export type { HealthTransition, RecordedHealth } from './repositories/instance-health.repository';
export { hostOf } from './instances/instance-config';
export type { CredentialKey, InstanceSecrets } from './instances/instance-config';
