// The public surface of @conduit/ingestion: only what other packages use. Everything else is internal.
export { ReceiveResponse } from './dto/receive.dto';
export { IngestionApiModule } from './ingestion-api.module';
export { IngestionModule } from './ingestion.module';
export { ReceiveService } from './receive.service';
export type { ReceivedRequest } from './receive.service';
export { SourceResolver } from './source-resolver';
// For the CLI (`migrate`, `sources:directory --repair`) and the tests: the source directory's repair.
export { SourceDirectoryModule } from './source-directory.module';
export { DIRECTORY_SWEEP_GRACE_MS, SourceDirectoryRepair } from './source-directory-repair';
export type { SourceDirectoryRepairResult } from './source-directory-repair';
export type { ReceiveTarget } from './source-resolver';
// For transfer: sources are read and written through the service (their secrets never leave it).
export { SourcesService } from './sources.service';
export { CreateSourceDto, UpdateSourceDto } from './dto/source.dto';
export type { SourceResponse } from './dto/source.dto';
