// The public surface of @conduit/monitors: the API module, the domain's module and its migrations.
export { MONITORS_MIGRATIONS } from './migrations';
export { MonitorsApiModule } from './monitors-api.module';
export { MonitorsModule } from './monitors.module';
// For transfer's export.
export { MonitorsService } from './monitors.service';
export type { MonitorResponse } from './dto/monitor.dto';
