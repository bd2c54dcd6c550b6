import 'reflect-metadata';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createApiApp } from '@conduit/api/bootstrap';
import { migrateDatabase } from '@conduit/database';
import { parseConfig } from '@conduit/platform';
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
function run(opts: autocannon.Options): Promise<number> {
  return new Promise((res, rej) => autocannon({ ...opts, connections: 64, duration: 6 }, (e, r) => (e ? rej(e) : res(Math.round(r.requests.average)))));
}
async function admin(sql: string) { const c = new Client({ connectionString: ADMIN_URL }); await c.connect(); await c.query(sql); await c.end(); }
async function main() {
  const body = JSON.stringify({ type: 'order.created', data: { id: 'o_1' } });
  const bare = Fastify();
  bare.post('/ingest', async (req, reply) => reply.code(202).send({ ok: true, size: JSON.stringify(req.body).length }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as any).port}/ingest`;
  const dbName = `conduit_exp_${process.pid}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const u = new URL(ADMIN_URL); u.pathname = `/${dbName}`;
  const config = parseConfig({ NODE_ENV: 'production', DATABASE_URL: u.toString(), CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'), REDIS_PREFIX: `exp-${process.pid}`, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000000' });
  await migrateDatabase(config);
  const app = await createApiApp(config, { logger: false });
  const f = app.getHttpAdapter().getInstance();
  f.post('/raw-noop', async (req, reply) => reply.code(202).send({ ok: true, size: JSON.stringify(req.body).length }));
  f.post('/raw-nohelmet', { helmet: false } as any, async (req, reply) => reply.code(202).send({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as any).port}`;
  const p = { method: 'POST' as const, body, headers: { 'content-type': 'application/json' } };
  console.log('bare', await run({ url: bareUrl, ...p }));
  console.log('raw-noop', await run({ url: `${base}/raw-noop`, ...p }));
  console.log('raw-nohelmet', await run({ url: `${base}/raw-nohelmet`, ...p }));
  console.log('health', await run({ url: `${base}/health/live` }));
  console.log('bare', await run({ url: bareUrl, ...p }));
  await app.close(); await bare.close(); await admin(`DROP DATABASE ${dbName} WITH (FORCE)`);
}
main().catch((e) => { console.error(e); process.exit(1); });
