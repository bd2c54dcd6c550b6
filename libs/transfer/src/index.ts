// The public surface of @conduit/transfer: the API module, the domain's module and the document format.
export * from './format/transfer-document';
export { documentChecksum } from './format/checksum';
export { TransferApiModule } from './transfer-api.module';
export { TransferModule } from './transfer.module';
export { TransferException } from './transfer.exception';
export { TransferExporter } from './export/transfer-exporter';
export type { ExportRequest } from './export/transfer-exporter';
export { TransferImporter } from './import/transfer-importer';
export type { ImportHooks } from './import/transfer-importer';
// For the operator's CLI (export / import from a file): the same guard as the import routes.
export { readTransferDocument } from './format/read-document';
export { importAuditChanges } from './http/import-route';
