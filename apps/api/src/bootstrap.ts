// Builds the HTTP application (used by main.ts, src/dev.ts and the end-to-end tests alike).
import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, OperationObject, SwaggerModule } from '@nestjs/swagger';
import { getDataSourceToken } from '@nestjs/typeorm';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { ClsServiceManager } from 'nestjs-cls';
import { Logger, PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { PUBLIC_OPERATION_EXTENSION } from '@conduit/access';
import { DatabaseAvailability, assertSafeRuntimeRole } from '@conduit/database';
import { ReceiveResponse, ReceiveService } from '@conduit/ingestion';
import { ConduitConfig, ErrorResponseDto, TenantId, uuidv7 } from '@conduit/platform';
import { ApiModule } from './api.module';
import {
  ReceiveFrontDoor,
  closeWithAdapter,
  createReceiveServer,
  receiveOpenApiPaths,
} from './ingestion/receive.routes';
import { mountQueueBoard } from './queue-board/queue-board';
import { sendClientError, sendFrameworkError } from './http/error-mapping';
import { unstorableInputError } from './http/unstorable-input';
import { logRequests } from './http/request-logging';
import { REQUEST_SCOPE, RequestScope, inRequestScope } from './http/request-scope';
import { RequestTransaction, bindRequestTransactions } from './http/request-transaction';
import { securityHeaderValues, securityHeaders } from './http/security-headers';
import { createValidationPipe } from './http/validation';
import { HttpMetrics } from './metrics/http-metrics';

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export function buildOpenApiDocument(app: NestFastifyApplication, config: ConduitConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Conduit API')
    .setDescription(
      'Move events between systems and automate what happens next. Authenticate with a bearer token from ' +
        '`POST /api/v1/auth/login` or an API key (`X-API-Key` or `Authorization: Bearer ck_live_...`). ' +
        'MSSP and platform admins may act in a tenant below theirs with `X-Tenant-Id`. ' +
        'Errors are `{ "error": { "code", "message", "details" }, "request_id" }`.',
    )
    .setVersion('1.0')
    // Without PUBLIC_URL, relative: "Try it out" calls the address the page was loaded from, whichever it is.
    .addServer(config.PUBLIC_URL ?? '/')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api_key')
    .addGlobalParameters({
      name: 'X-Tenant-Id',
      in: 'header',
      required: false,
      description: 'Act in a tenant below yours (MSSP and platform admins): its id or code',
      schema: { type: 'string' },
    })
    .build();
  // As package.json says: no licence is granted (npm's documentation of the term).
  builder.info.license = {
    name: 'UNLICENSED',
    url: 'https://docs.npmjs.com/cli/v11/configuring-npm/package-json#license',
  };
  const document = SwaggerModule.createDocument(app, builder, { extraModels: [ReceiveResponse, ErrorResponseDto] });
  // The receive routes are plain Fastify routes (see ingestion/receive.routes.ts), invisible to Nest's explorer.
  Object.assign(document.paths, receiveOpenApiPaths());
  declarePublicOperations(document);
  return document;
}

/** Operations marked by @Public() need no credentials: `security: []` says so (and overrides any default). */
function declarePublicOperations(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation: OperationObject | undefined = item[method];
      if (!operation || !(PUBLIC_OPERATION_EXTENSION in operation)) continue;
      delete (operation as Record<string, unknown>)[PUBLIC_OPERATION_EXTENSION];
      operation.security = [];
    }
  }
}

export interface ApiAppOptions {
  logger?: boolean;
  /** Close on SIGTERM/SIGINT by itself; off when a host process (src/dev.ts) orchestrates shutdown. */
  shutdownHooks?: boolean;
  /** The dedicated tenants whose database MIGRATE_ON_START could not migrate (migrateOnStart's answer). */
  dedicatedToMigrate?: readonly TenantId[];
}

export async function createApiApp(
  config: ConduitConfig,
  options: ApiAppOptions = {},
): Promise<NestFastifyApplication> {
  const genReqId = (raw: IncomingMessage): string => {
    const incoming = raw.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : uuidv7();
    (raw as IncomingMessage & { id?: string }).id = id;
    return id;
  };
  // One HTTP server: the receive endpoints go to their own lean Fastify instance, everything else to Nest's.
  const frontDoor = new ReceiveFrontDoor();
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    genReqId,
    // JSON.parse makes "__proto__" an ordinary own key (never a prototype), and the preValidation hook below refuses
    // it, constructor and prototype at any depth with the key's path; the parser's own check would answer
    // invalid_json without saying where.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // Refusals made before any hook runs (by the router, or by Node's HTTP parser) get the error body as well.
    frameworkErrors: sendFrameworkError,
    clientErrorHandler: sendClientError,
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer(frontDoor.listener(inRequestScope(handler))),
  });
  closeWithAdapter(adapter, frontDoor);
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config, options.dedicatedToMigrate),
    adapter,
    {
      bufferLogs: options.logger !== false,
      logger: options.logger === false ? false : undefined,
      abortOnError: false,
    },
  );
  // Before the routes are bound to their handlers (app.init(), from listen()).
  bindRequestTransactions(app);
  if (options.logger !== false) app.useLogger(app.get(Logger));
  await assertSafeRuntimeRole(app.get<DataSource>(getDataSourceToken()));

  const fastify = app.getHttpAdapter().getInstance();
  // A route that takes bigger bodies than BODY_LIMIT_BYTES says so with @RouteConfig({ bodyLimit }) (the transfer
  // import's documents); Nest passes route config through, not bodyLimit itself. Registered before the routes are.
  fastify.addHook('onRoute', (route) => {
    const bodyLimit = (route.config as { bodyLimit?: unknown } | undefined)?.bodyLimit;
    if (typeof bodyLimit === 'number') route.bodyLimit = bodyLimit;
  });
  // SCIM clients (identity providers) send application/scim+json (RFC 7644): parsed as JSON, with the same options.
  fastify.addContentTypeParser(
    'application/scim+json',
    { parseAs: 'string', bodyLimit: config.BODY_LIMIT_BYTES },
    fastify.getDefaultJsonParser('ignore', 'ignore'),
  );
  // Providers also send XML, form or plain bodies: keep any other content type as raw bytes.
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES }, (_req, body, done) =>
    done(null, body),
  );
  // multipart/form-data (the catalogue's seed form, logo uploads): parsed by the route itself through req.parts(),
  // which streams the parts under its own limits. The plugin only adds that parser (no attachFieldsToBody, so no hook
  // runs on other routes); JSON and the other content types keep their parsers above.
  await app.register(multipart as never, { limits: { fileSize: config.BODY_LIMIT_BYTES, files: 1, parts: 100 } });
  // Once parsed, before guards and pipes: text PostgreSQL cannot store, JSON nested too deep to validate, reserved keys
  // and whole numbers beyond 2^53 - 1 are a 400 (see findRefusedInput).
  // Callback-style hooks: an async one costs a promise per request.
  fastify.addHook('preValidation', (request, _reply, done) => done(unstorableInputError(request) ?? undefined));
  const metrics = app.get(HttpMetrics);
  const receiver = await createReceiveServer(config, {
    receive: app.get(ReceiveService),
    metrics,
    genReqId,
    database: app.get(DatabaseAvailability),
  });
  frontDoor.attach(receiver);
  fastify.addHook('onClose', async () => receiver.close());
  const headers = securityHeaderValues(securityHeaders(config));
  const transaction = app.get(RequestTransaction);
  fastify.addHook('onRequest', (request, reply, done) => {
    ClsServiceManager.getClsService().set(REQUEST_SCOPE, { request, transaction } satisfies RequestScope);
    void reply.headers(headers).header('x-request-id', request.id);
    done();
  });
  if (options.logger !== false) logRequests(fastify, 'conduit-api', () => PinoLogger.root);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observe(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  if (config.CORS_ORIGINS.length > 0) {
    app.enableCors({ origin: config.CORS_ORIGINS, credentials: true, exposedHeaders: ['X-Request-Id'] });
  }
  app.useGlobalPipes(createValidationPipe());
  await mountQueueBoard(app);
  // On SIGTERM: finish in-flight requests, close connections, then exit 0 (not re-raise the signal).
  if (options.shutdownHooks !== false) app.enableShutdownHooks([], { useProcessExit: true });

  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
  return app;
}
