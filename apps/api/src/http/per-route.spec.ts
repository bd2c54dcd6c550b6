import type { ExecutionContext, Type } from '@nestjs/common';
import { Handler, PerRoute } from './per-route';

class Base {
  list(): string {
    return 'rows';
  }
}
class Open extends Base {}
class Closed extends Base {}

const context = (controller: Type, handler: Handler) =>
  ({ getClass: () => controller, getHandler: () => handler }) as unknown as ExecutionContext;

describe('PerRoute', () => {
  it('reads a route once, and apart for each controller sharing an inherited handler', () => {
    const reads: string[] = [];
    const perRoute = new PerRoute(([, controller]) => {
      reads.push(controller.name);
      return controller === Open;
    });
    const handler = Base.prototype.list as Handler;
    expect(perRoute.of(context(Open, handler))).toBe(true);
    expect(perRoute.of(context(Closed, handler))).toBe(false);
    expect(perRoute.of(context(Open, handler))).toBe(true);
    expect(perRoute.of(context(Closed, handler))).toBe(false);
    expect(reads).toEqual(['Open', 'Closed']);
  });

  it('keeps a falsy answer (undefined: no policy) without reading again', () => {
    let reads = 0;
    const perRoute = new PerRoute<undefined>(() => {
      reads++;
      return undefined;
    });
    const handler = Base.prototype.list as Handler;
    perRoute.of(context(Open, handler));
    perRoute.of(context(Open, handler));
    expect(reads).toBe(1);
  });
});
