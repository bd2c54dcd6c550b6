// The public surface of @conduit/monitors: the API module, the domain's module and its migrations.
export { MONITORS_MIGRATIONS } from './migrations';
export { MonitorsApiModule } from './monitors-api.module';
export { MonitorsModule } from './monitors.module';
// For transfer: monitors are read and written through the service, with the routes' bodies.
export { MONITOR_SETTINGS, MonitorsService } from './monitors.service';
export { CreateMonitorDto, UpdateMonitorDto } from './dto/monitor.dto';
export type { MonitorResponse } from './dto/monitor.dto';
