import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantDataKeyEntity } from './entities/tenant-data-key.entity';
import { DataKeysRepository } from './repositories/data-keys.repository';
import { SecretBox } from './secret-box';

@Module({
  imports: [TypeOrmModule.forFeature([TenantDataKeyEntity])],
  providers: [DataKeysRepository, SecretBox],
  exports: [SecretBox],
})
export class SecretsModule {}
