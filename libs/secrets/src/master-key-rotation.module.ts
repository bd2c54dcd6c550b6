import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { TenantDataKeyEntity } from './entities/tenant-data-key.entity';
import { DataKeysRepository } from './repositories/data-keys.repository';
import { DatabaseUrlsRepository } from './repositories/database-urls.repository';
import { MasterKeyRotation } from './master-key-rotation.service';

/** Operator-only (CLI): kept apart from SecretsModule so the apps that seal and open do not pull in auditing for it. */
@Module({
  imports: [TypeOrmModule.forFeature([TenantDataKeyEntity]), AuditModule],
  providers: [DataKeysRepository, DatabaseUrlsRepository, MasterKeyRotation],
  exports: [MasterKeyRotation],
})
export class MasterKeyRotationModule {}
