import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InboundSourceEntity } from './entities/inbound-source.entity';
import { SourceDirectoryEntity } from './entities/source-directory.entity';
import { SourceDirectoryRepository } from './repositories/source-directory.repository';
import { SourcesRepository } from './repositories/sources.repository';
import { SourceDirectoryRepair } from './source-directory-repair';

/**
 * The sources' rows and their directory, without the rest of ingestion (no queue, no secrets): what the CLI's
 * `migrate` and `sources:directory --repair` need. IngestionModule builds on it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([InboundSourceEntity, SourceDirectoryEntity])],
  providers: [SourcesRepository, SourceDirectoryRepository, SourceDirectoryRepair],
  exports: [SourcesRepository, SourceDirectoryRepository, SourceDirectoryRepair],
})
export class SourceDirectoryModule {}
