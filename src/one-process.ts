// Two Nest apps in one process (src/dev.ts): what process-wide state in libraries makes of that.
import { Logger, LoggerService } from '@nestjs/common';

/** The one warning @nestjs/typeorm's process-wide data source name registry logs. */
const DATA_SOURCE_REGISTRY = 'DataSourceNameRegistry';

/**
 * Defines a second app while the first one exists, without @nestjs/typeorm's "A data source with the default name is
 * already registered" warning. Its registry of names is process-wide and cannot tell that the API and the worker are
 * two apps, each with its own container and its own default DataSource: nothing overrides anything. The warning is
 * logged while the module is defined (before the app exists) through Nest's static logger, which is the first app's
 * here, wrapped meanwhile to drop that one context; the new app installs its own logger when it is created.
 */
export async function quietDuplicateDataSourceWarning<T>(logger: LoggerService, define: () => Promise<T>): Promise<T> {
  const dropRegistry =
    (method: (message: unknown, ...params: unknown[]) => void) =>
    (message: unknown, ...params: unknown[]) => {
      if (params[params.length - 1] !== DATA_SOURCE_REGISTRY) method.call(logger, message, ...params);
    };
  // The first app's start-up logs are still buffered until it starts, and a buffered warning would be replayed later
  // through whichever logger is current then: let them out now, so the warning below reaches the filter at once.
  Logger.flush();
  Logger.overrideLogger({
    log: dropRegistry(logger.log),
    error: dropRegistry(logger.error),
    warn: dropRegistry(logger.warn),
    debug: dropRegistry(logger.debug ?? (() => undefined)),
    verbose: dropRegistry(logger.verbose ?? (() => undefined)),
    fatal: dropRegistry(logger.fatal ?? logger.error),
  });
  try {
    return await define();
  } catch (err) {
    Logger.overrideLogger(logger);
    throw err;
  }
}
