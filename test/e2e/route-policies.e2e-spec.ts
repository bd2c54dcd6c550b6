// Every HTTP route is either explicitly @Public() or declares a policy (@Authenticated() / @CheckPolicy()).
import { Controller, Get, Post, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Authenticated, CheckPolicy, PUBLIC_ROUTE, Public, ROUTE_POLICY, RoutePolicy } from '@conduit/access';
import { createApiApp } from '@conduit/api/bootstrap';
import { runsInRequestTransaction } from '@conduit/api/http/request-transaction';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

interface RouteInfo {
  /** "POST /api/v1/tenants" */
  route: string;
  handler: string;
  /** Whether the handler runs in the request's transaction (wrapped by bindRequestTransactions). */
  inTransaction: boolean;
  isPublic: boolean;
  policy: RoutePolicy | undefined;
}

const reflector = new Reflector();
const scanner = new MetadataScanner();

function joinPath(...parts: (string | undefined)[]): string {
  const joined = parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}

/** Reads every route handler of the given controllers with the metadata the guards read (handler first, then class). */
function walkRoutes(controllers: Type[]): RouteInfo[] {
  return controllers.flatMap((controller) => {
    const prefixes = [reflector.get<string | string[] | undefined>(PATH_METADATA, controller)].flat();
    return scanner.getAllMethodNames(controller.prototype).flatMap((name) => {
      const handler = controller.prototype[name] as (...args: unknown[]) => unknown;
      const paths = reflector.get<string | string[] | undefined>(PATH_METADATA, handler);
      if (paths === undefined) return []; // not a route handler
      const method = RequestMethod[reflector.get<RequestMethod>(METHOD_METADATA, handler) ?? RequestMethod.GET];
      const targets = [handler, controller];
      const isPublic = reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets) === true;
      const policy = reflector.getAllAndOverride<RoutePolicy | undefined>(ROUTE_POLICY, targets);
      return prefixes.flatMap((prefix) =>
        [paths].flat().map((path) => ({
          route: `${method} ${joinPath(prefix, path)}`,
          handler: `${controller.name}.${name}`,
          inTransaction: runsInRequestTransaction(handler),
          isPublic,
          policy,
        })),
      );
    });
  });
}

function unguarded(routes: RouteInfo[]): string[] {
  return routes.filter((r) => !r.isPublic && !r.policy).map((r) => `${r.route} (${r.handler})`);
}

function controllersOf(app: NestFastifyApplication): Type[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  return [
    ...new Set(
      discovery
        .getControllers()
        .map((wrapper) => wrapper.metatype as Type)
        .filter(Boolean),
    ),
  ];
}

describe('route policy walker', () => {
  @Controller('fake')
  class FakeController {
    @Get('open')
    forgotten() {}

    @Post('login')
    @Public()
    login() {}

    @Get('me')
    @Authenticated()
    me() {}

    @Get('tenants')
    @CheckPolicy('read', 'Tenant')
    tenants() {}

    helper() {}
  }

  @CheckPolicy('read', 'AuditEvent')
  @Controller('guarded')
  class ClassPolicyController {
    @Get()
    list() {}
  }

  it('finds the handlers of a controller, and only those', () => {
    expect(
      walkRoutes([FakeController])
        .map((r) => r.route)
        .sort(),
    ).toEqual(['GET /fake/me', 'GET /fake/open', 'GET /fake/tenants', 'POST /fake/login']);
  });

  it('reports a route with neither @Public() nor a policy', () => {
    expect(unguarded(walkRoutes([FakeController]))).toEqual(['GET /fake/open (FakeController.forgotten)']);
  });

  it('accepts a policy declared on the controller class', () => {
    expect(unguarded(walkRoutes([ClassPolicyController]))).toEqual([]);
  });
});

describe('route policies of the API', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  /** what Fastify actually serves, recorded as routes are added */
  const served: string[] = [];
  let routes: RouteInfo[];

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createApiApp(testConfig(db.url), { logger: false });
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) served.push(`${method} ${route.url}`);
      });
    await app.init();
    routes = walkRoutes(controllersOf(app));
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('walks the real routes', () => {
    const found = routes.map((r) => r.route);
    expect(found).toEqual(
      expect.arrayContaining(['POST /api/v1/tenants', 'GET /health/live', 'POST /api/v1/auth/login', 'GET /metrics']),
    );
    expect(found.length).toBeGreaterThanOrEqual(20);
  });

  it('walks every route Fastify serves (apart from Swagger UI and automatic HEAD routes)', () => {
    const automaticHead = (r: string) => r.startsWith('HEAD ') && served.includes(`GET ${r.slice('HEAD '.length)}`);
    const own = served.filter((r) => !/^\w+ \/docs/.test(r) && !automaticHead(r));
    expect(own.length).toBeGreaterThan(0);
    expect(routes.map((r) => r.route).sort()).toEqual([...new Set(own)].sort());
  });

  it('finds no route without @Public() or a policy', () => {
    expect(unguarded(routes)).toEqual([]);
  });

  it('runs every route in its request transaction (wrapped before the routes were bound)', () => {
    expect(routes.filter((r) => !r.inTransaction).map((r) => `${r.route} (${r.handler})`)).toEqual([]);
  });

  it('guards every route with authentication, the rate limit and its policy, and nothing else runs around it', () => {
    // Each global guard or interceptor is a cost every request pays: nestjs-cls's root module registers a guard and an
    // interceptor that do nothing when not mounted (see clsWithoutEnhancers); they must stay out.
    const enhancers = [...app.get(ModulesContainer).values()]
      .flatMap((module) => [...module.providers.entries()])
      .filter(([token]) => typeof token === 'string' && /^APP_(GUARD|INTERCEPTOR)/.test(token))
      .map(([token, wrapper]) => `${String(token).split(' ')[0]} ${(wrapper.instance as object).constructor.name}`);
    expect(enhancers.sort()).toEqual([
      'APP_GUARD AuthenticationGuard',
      'APP_GUARD CallerThrottlerGuard',
      'APP_GUARD PoliciesGuard',
    ]);
  });

  it('marks login, refresh and health public, and no management route', () => {
    const publicRoutes = routes.filter((r) => r.isPublic).map((r) => r.route);
    expect(publicRoutes).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/login',
        'POST /api/v1/auth/refresh',
        'GET /health/live',
        'GET /health/ready',
      ]),
    );
    expect(publicRoutes.filter((r) => /\/api\/v1\/(tenants|users|api-keys|audit-events)\b/.test(r))).toEqual([]);
  });
});
