// No assertion content in logs (issue 16): the production entry point (apps/api/src/main.ts, JSON logs at info) signs
// a user in through the test IdP and refuses a forged response, and nothing of either message reaches its output: not
// the SAMLResponse, the assertion or its id, the NameID or attributes, the one-time code, nor the tokens.
import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { redisOptionsFromUrl } from '@conduit/queues';
import { ApiProcess, startApiProcess } from '../support/api-process';
import { TestIdp, startTestIdp } from '../support/saml-idp';
import { codeFrom, connectionFromIdp, postToAcs } from '../support/saml-flow';
import { decodeSamlResponse, forgeUnsigned } from '../support/saml-forgery';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { deleteRedisPrefix } from '../support/test-worker';

describe('SAML sign-in keeps assertion content out of the logs', () => {
  const adminEmail = 'saml-logs-admin@example.test';
  const adminPassword = `Adm1n-${randomBytes(12).toString('hex')}`;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `conduit-saml-logs-${randomBytes(4).toString('hex')}`;
  const secrets: Record<string, string> = {};
  let db: TestDatabase;
  let idp: TestIdp;
  let api: ApiProcess;
  const statuses: Record<string, number> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    idp = await startTestIdp();
    api = await startApiProcess({
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      LOG_LEVEL: 'info',
      MIGRATE_ON_START: 'true',
      CONDUIT_ADMIN_EMAIL: adminEmail,
      CONDUIT_ADMIN_PASSWORD: adminPassword,
    });
    await api.live();
    const json = { 'content-type': 'application/json' };
    const login = await fetch(`${api.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: adminEmail, password: adminPassword }),
    });
    const adminToken = ((await login.json()) as { access_token: string }).access_token;
    const created = await fetch(`${api.url}/api/v1/sso/connections`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${adminToken}` },
      body: JSON.stringify(connectionFromIdp(idp, { role_mapping: { 'soc-leads': 'analyst' } })),
    });
    statuses.connection = created.status;
    const connectionId = ((await created.json()) as { id: string }).id;
    const startLogin = async () =>
      (
        await fetch(`${api.url}/api/v1/auth/saml/${connectionId}/login?return_to=%2Fafter`, { redirect: 'manual' })
      ).headers.get('location') as string;

    // A genuine sign-in, its code exchanged for tokens.
    idp.nextUser = { email: 'priya.nameid@corp.test', displayName: 'Priya Attribute-Name', groups: ['soc-leads'] };
    const answer = await idp.answer(await startLogin());
    const xml = decodeSamlResponse(answer.SAMLResponse);
    secrets.samlResponse = answer.SAMLResponse.slice(0, 80);
    secrets.assertionId = /<(?:saml:)?Assertion[^>]*\sID="([^"]+)"/.exec(xml)?.[1] ?? 'no assertion id found';
    secrets.nameId = 'priya.nameid@corp.test';
    secrets.displayName = 'Priya Attribute-Name';
    secrets.group = 'soc-leads';
    const acs = await postToAcs(answer);
    statuses.acs = acs.status;
    secrets.code = codeFrom(acs.location);
    const exchanged = await fetch(`${api.url}/api/v1/auth/saml/exchange`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ code: secrets.code }),
    });
    statuses.exchange = exchanged.status;
    const tokens = (await exchanged.json()) as { access_token: string; refresh_token: string };
    secrets.accessToken = tokens.access_token;
    secrets.refreshToken = tokens.refresh_token;

    // A forged (unsigned) response for someone else, refused.
    idp.nextUser = { email: 'mallory.forged@corp.test', groups: ['soc-leads'] };
    const forged = await forgeUnsigned(idp, await startLogin());
    secrets.forgedNameId = 'mallory.forged@corp.test';
    secrets.forgedResponse = forged.SAMLResponse.slice(0, 80);
    statuses.forged = (await postToAcs(forged)).status;
    await api.stop();
  }, 90_000);

  afterAll(async () => {
    await api?.stop();
    await idp?.close();
    const redis = new IORedis(redisOptionsFromUrl(redisUrl));
    await deleteRedisPrefix(redis, redisPrefix).finally(() => redis.disconnect());
    await db?.drop();
  });

  it('signed the user in and refused the forgery', () => {
    expect(statuses).toEqual({ connection: 201, acs: 302, exchange: 200, forged: 401 });
  });

  it('logged the requests, and nothing of the messages, the code or the tokens', () => {
    const output = api.output();
    const acsLines = output.split('\n').filter((l) => l.includes('/acs'));
    expect(acsLines.length).toBeGreaterThanOrEqual(2);
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThan(5);
      expect(output.includes(value), `the output holds the ${what}`).toBe(false);
    }
  });
});
