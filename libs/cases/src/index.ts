// The public surface of @conduit/cases: the API module, the domain's module, and the ingestion contract other domains
// call (CaseIngest with its mapping; ingestion's push routing, the instances' poller).
export { CASES_MIGRATIONS } from './migrations';
export { CasesApiModule } from './cases-api.module';
export { CasesModule } from './cases.module';
export { CaseIngest } from './case-ingest';
export type { IngestResult, IngestSource } from './case-ingest';
export { checkCaseMapping, jsonPathMatches, jsonPathProblem } from './mapping/case-mapping';
export type { CaseMapping, CaseMappingFields, EscalationRule, MappingProblem } from './mapping/case-mapping';
export { CASE_EVENT_NAMES } from './case-events-payloads';
export { SEVERITIES, CASE_STATUSES } from './entities/case.entity';
export type { Severity, CaseStatus } from './entities/case.entity';
// For transfer's export: an instance's polling ingestion settings, read through the API's service.
export { CaseIngestionModule } from './polling/case-ingestion.module';
export { InstanceIngestionService } from './polling/instance-ingestion.service';
