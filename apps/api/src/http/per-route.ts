import type { ExecutionContext, Type } from '@nestjs/common';

/** A route handler (a controller's method). */
export type Handler = (...args: never[]) => unknown;

/**
 * What a guard reads from a route's metadata, read once per controller class and handler: the metadata never changes
 * once the app is built, and reading it (reflect-metadata, per request and guard) was a cost every request paid. Keyed
 * by both, as class-level metadata (@Public(), @CheckPolicy, @SkipThrottle on the controller) differs between
 * controllers that share an inherited handler.
 */
export class PerRoute<T> {
  private readonly byClass = new WeakMap<Type, WeakMap<Handler, T>>();

  constructor(private readonly read: (targets: [handler: Handler, controller: Type]) => T) {}

  of(context: ExecutionContext): T {
    const controller = context.getClass();
    const handler = context.getHandler() as Handler;
    let byHandler = this.byClass.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.byClass.set(controller, byHandler);
    }
    if (byHandler.has(handler)) return byHandler.get(handler) as T;
    const value = this.read([handler, controller]);
    byHandler.set(handler, value);
    return value;
  }
}
