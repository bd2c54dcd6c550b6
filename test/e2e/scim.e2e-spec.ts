// SCIM 2.0 provisioning (issue 16): tokens a tenant admin manages, and /scim/v2 Users and Groups driven with the
// request shapes Okta and Entra ID send. Tenants a and b are unrelated roots; each has an SSO connection (inserted as
// rows: the connections API is another lib's) whose role_mapping turns SCIM groups into roles.
import { createHash, randomUUID } from 'node:crypto';
import { TestApi, startTestApi } from '../support/test-api';
import { liftQuotas, useLicenseTerms } from '../support/test-license';

const SCIM = 'application/scim+json';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** What Okta sends to create a user (its SCIM 2.0 test app), password included: ignored. */
function oktaUser(email: string, given: string, family: string) {
  return {
    schemas: [USER_SCHEMA],
    userName: email,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: email, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: `00u${given.toLowerCase()}okta`,
    groups: [],
    password: 'Okta-Sent-Password-1!',
    active: true,
  };
}

/** What Entra ID sends to create a user (its attribute mapping defaults, enterprise extension included). */
function entraUser(email: string, given: string, family: string) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: `${given.toLowerCase()}-entra-object-id`,
    userName: email,
    active: true,
    emails: [{ primary: true, type: 'work', value: email }],
    meta: { resourceType: 'User' },
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
    roles: [],
    [ENTERPRISE]: { employeeNumber: '1234', department: 'Security' },
  };
}

describe('SCIM 2.0 provisioning', () => {
  let api: TestApi;
  const t: Record<string, { id: string; code: string }> = {};
  let adminA: { id: string; email: string; token: string };
  let adminB: { id: string; email: string; token: string };
  let connA: string;
  let connB: string;
  let tokenA: string;
  let tokenB: string;

  const scim = (method: string, path: string, token: string, body?: unknown, contentType = SCIM) =>
    api.request(method, `/scim/v2${path}`, {
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(typeof body === 'string' ? { rawBody: body } : body !== undefined ? { body } : {}),
    });

  const createToken = async (adminToken: string, connectionId: string, name = 'idp') => {
    const res = await api.request('POST', '/api/v1/scim/tokens', {
      token: adminToken,
      body: { name, connection_id: connectionId },
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; token: string; prefix: string; base_url: string };
  };

  const insertConnection = async (
    tenantId: string,
    roleMapping: Record<string, string>,
    defaultRole: string | null,
  ) => {
    const id = randomUUID();
    await api.sql(
      `INSERT INTO sso_connections (id, tenant_id, name, idp_entity_id, idp_sso_url, idp_certificates, role_mapping,
         default_role, sp_certificate, sp_private_key_sealed)
       VALUES ($1, $2, $3, 'https://idp.test', 'https://idp.test/sso', '{}', $4, $5, 'cert', 'sealed')`,
      [id, tenantId, `idp-${id}`, JSON.stringify(roleMapping), defaultRole],
    );
    return id;
  };

  const expectScimError = (res: { status: number; body: any; headers: Headers }, status: number, scimType?: string) => {
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(res.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: String(status),
      ...(scimType ? { scimType } : {}),
      detail: expect.any(String),
    });
    expect(res.status).toBe(status);
  };

  const roleOf = async (userId: string, adminToken = adminA.token) =>
    (await api.request('GET', `/api/v1/users/${userId}`, { token: adminToken })).body.role as string;

  const membership = async (tenantId: string, userId: string) =>
    (
      await api.sql<{ role: string; status: string }>(
        `SELECT role, status FROM memberships WHERE tenant_id = $1 AND user_id = $2`,
        [tenantId, userId],
      )
    )[0];

  const counts = async () =>
    (
      await api.sql(
        `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM memberships) AS memberships,
          (SELECT count(*)::int FROM scim_users) AS scim_users, (SELECT count(*)::int FROM scim_groups) AS groups,
          (SELECT count(*)::int FROM scim_group_members) AS group_members,
          (SELECT max(updated_at) FROM memberships) AS memberships_at, (SELECT max(updated_at) FROM scim_users) AS scim_at`,
      )
    )[0];

  beforeAll(async () => {
    api = await startTestApi({ PUBLIC_URL: 'https://conduit.example.test' });
    await liftQuotas(api);
    t.a = await api.seedTenant('scim-a');
    t.b = await api.seedTenant('scim-b');
    adminA = await api.seedUser('scim-a', 'tenant_admin');
    adminB = await api.seedUser('scim-b', 'tenant_admin');
    connA = await insertConnection(
      t.a.id,
      { 'sec-admins': 'tenant_admin', 'sec-analysts': 'analyst', 'msp-operators': 'mssp_admin' },
      'viewer',
    );
    connB = await insertConnection(t.b.id, { 'b-team': 'analyst' }, null);
    tokenA = (await createToken(adminA.token, connA, 'okta')).token;
    tokenB = (await createToken(adminB.token, connB, 'entra')).token;
  }, 60_000);
  afterAll(() => api?.close());

  describe('tokens', () => {
    it('creates a token shown once, stored as its SHA-256, listed without secrets, audited', async () => {
      const created = await createToken(adminA.token, connA, 'spare');
      expect(created.token).toMatch(/^cscim_[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
      expect(created.token.startsWith(created.prefix)).toBe(true);
      expect(created.base_url).toBe('https://conduit.example.test/scim/v2');
      const [row] = await api.sql(`SELECT token_hash FROM scim_tokens WHERE id = $1`, [created.id]);
      expect(row.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
      expect(JSON.stringify(await api.sql(`SELECT * FROM scim_tokens`))).not.toContain(created.token.slice(18));

      const list = await api.request('GET', '/api/v1/scim/tokens', { token: adminA.token });
      expect(list.status).toBe(200);
      expect(list.body.data.map((k: { name: string }) => k.name).sort()).toEqual(['okta', 'spare']);
      for (const k of list.body.data) {
        expect(Object.keys(k).sort()).toEqual(
          [
            'connection_id',
            'created_at',
            'created_by',
            'id',
            'last_used_at',
            'name',
            'prefix',
            'revoked_at',
            'tenant_id',
          ].sort(),
        );
      }
      const [audit] = await api.sql(
        `SELECT actor_id, outcome FROM audit_events WHERE action = 'scim_token.create' AND target_id = $1`,
        [created.id],
      );
      expect(audit).toEqual({ actor_id: adminA.id, outcome: 'success' });
    });

    it("refuses a connection that is not the tenant's (404) and callers who are not admins (403)", async () => {
      for (const connection_id of [connB, randomUUID()]) {
        const res = await api.request('POST', '/api/v1/scim/tokens', {
          token: adminA.token,
          body: { name: 'x', connection_id },
        });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('sso_connection_not_found');
      }
      const analyst = await api.seedUser('scim-a', 'analyst', 'token-analyst@a.test');
      const res = await api.request('POST', '/api/v1/scim/tokens', {
        token: analyst.token,
        body: { name: 'x', connection_id: connA },
      });
      expect(res.status).toBe(403);
      expect((await api.request('GET', '/api/v1/scim/tokens', { token: analyst.token })).status).toBe(403);
      const invalid = await api.request('POST', '/api/v1/scim/tokens', {
        token: adminA.token,
        body: { name: ' ', connection_id: 'nope' },
      });
      expect(invalid.status).toBe(400);
    });

    it('a revoked token is refused with a SCIM 401 at once; other tenants cannot revoke it', async () => {
      const created = await createToken(adminA.token, connA, 'short-lived');
      expect((await scim('GET', '/Users', created.token)).status).toBe(200);
      const foreign = await api.request('DELETE', `/api/v1/scim/tokens/${created.id}`, { token: adminB.token });
      expect(foreign.status).toBe(404);
      expect((await scim('GET', '/Users', created.token)).status).toBe(200);
      const revoked = await api.request('DELETE', `/api/v1/scim/tokens/${created.id}`, { token: adminA.token });
      expect(revoked.status).toBe(204);
      expectScimError(await scim('GET', '/Users', created.token), 401);
      const list = await api.request('GET', '/api/v1/scim/tokens', { token: adminA.token });
      expect(list.body.data.find((k: { id: string }) => k.id === created.id).revoked_at).toEqual(expect.any(String));
    });

    it('refuses missing, malformed, unknown and JWT credentials with SCIM 401s', async () => {
      expectScimError(await api.request('GET', '/scim/v2/Users'), 401);
      expectScimError(await scim('GET', '/Users', 'cscim_000000000000' + 'a'.repeat(43)), 401);
      expectScimError(await scim('GET', '/Users', tokenA.slice(0, -1) + (tokenA.endsWith('a') ? 'b' : 'a')), 401);
      expectScimError(await scim('GET', '/Users', adminA.token), 401);
      expectScimError(await scim('GET', '/ServiceProviderConfig', 'garbage'), 401);
    });
  });

  describe('discovery', () => {
    it('answers ServiceProviderConfig, ResourceTypes and Schemas as SCIM JSON', async () => {
      const spc = await scim('GET', '/ServiceProviderConfig', tokenA);
      expect(spc.status).toBe(200);
      expect(spc.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(spc.body).toMatchObject({
        patch: { supported: true },
        filter: { supported: true },
        bulk: { supported: false },
      });
      const types = await scim('GET', '/ResourceTypes', tokenA);
      expect(types.body.Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
      expect((await scim('GET', '/ResourceTypes/User', tokenA)).body.endpoint).toBe('/Users');
      const schemas = await scim('GET', '/Schemas', tokenA);
      expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE]);
      expect((await scim('GET', `/Schemas/${USER_SCHEMA}`, tokenA)).status).toBe(200);
      expectScimError(await scim('GET', '/Schemas/nope', tokenA), 404);
    });
  });

  describe('users (Okta)', () => {
    let aliceId: string;

    it("creates a user from Okta's request: 201, SCIM shape, Location, default role, password ignored", async () => {
      const res = await scim('POST', '/Users', tokenA, oktaUser('Alice@Okta.test', 'Alice', 'Anders'));
      expect(res.status, res.text).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      aliceId = res.body.id;
      expect(res.headers.get('location')).toBe(`https://conduit.example.test/scim/v2/Users/${aliceId}`);
      expect(res.body).toEqual({
        schemas: [USER_SCHEMA],
        id: aliceId,
        externalId: '00ualiceokta',
        userName: 'alice@okta.test',
        name: { givenName: 'Alice', familyName: 'Anders' },
        displayName: 'Alice Anders',
        emails: [{ value: 'Alice@Okta.test', type: 'work', primary: true }],
        active: true,
        groups: [],
        meta: {
          resourceType: 'User',
          created: expect.any(String),
          lastModified: expect.any(String),
          location: `https://conduit.example.test/scim/v2/Users/${aliceId}`,
          version: expect.stringMatching(/^W\/"\d+"$/),
        },
      });
      const [account] = await api.sql(`SELECT password_hash FROM users WHERE id = $1`, [aliceId]);
      expect(account.password_hash).toBeNull();
      expect(await membership(t.a.id, aliceId)).toEqual({ role: 'viewer', status: 'active' });
      expect(await roleOf(aliceId)).toBe('viewer');
      const [audit] = await api.sql(
        `SELECT actor_type, actor_label FROM audit_events WHERE action = 'scim.user.create' AND target_id = $1`,
        [aliceId],
      );
      expect(audit).toEqual({ actor_type: 'system', actor_label: 'scim:okta' });

      const again = await scim('GET', `/Users/${aliceId}`, tokenA);
      expect(again.body).toEqual(res.body);
    });

    it('answers 409 uniqueness for a user already a member here, and writes nothing', async () => {
      const before = await counts();
      expectScimError(await scim('POST', '/Users', tokenA, oktaUser('alice@okta.test', 'A', 'B')), 409, 'uniqueness');
      // Also a member created outside SCIM.
      expectScimError(await scim('POST', '/Users', tokenA, oktaUser(adminA.email, 'A', 'B')), 409, 'uniqueness');
      expect(await counts()).toEqual(before);
      // Refusals are audited too, in a transaction of their own.
      const refused = await api.sql(
        `SELECT outcome, actor_label FROM audit_events WHERE action = 'scim.user.create' AND status_code = 409`,
      );
      expect(refused).toEqual([
        { outcome: 'failure', actor_label: 'scim:okta' },
        { outcome: 'failure', actor_label: 'scim:okta' },
      ]);
    });

    it('finds users by userName, externalId and emails.value (and), pages with startIndex and count', async () => {
      for (const n of [1, 2, 3]) {
        const res = await scim('POST', '/Users', tokenA, oktaUser(`pager${n}@okta.test`, `Pager${n}`, 'P'));
        expect(res.status).toBe(201);
      }
      const byName = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ALICE@okta.test"')}`, tokenA);
      expect(byName.status).toBe(200);
      expect(byName.body).toMatchObject({ schemas: [LIST_SCHEMA], totalResults: 1, itemsPerPage: 1, startIndex: 1 });
      expect(byName.body.Resources[0].id).toBe(aliceId);
      const byExternal = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('externalId eq "00ualiceokta"')}`,
        tokenA,
      );
      expect(byExternal.body.Resources.map((u: { id: string }) => u.id)).toEqual([aliceId]);
      const both = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('emails.value eq "alice@okta.test" and externalId eq "00ualiceokta"')}`,
        tokenA,
      );
      expect(both.body.totalResults).toBe(1);
      const none = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('emails.value eq "alice@okta.test" and externalId eq "other"')}`,
        tokenA,
      );
      expect(none.body).toMatchObject({ totalResults: 0, itemsPerPage: 0, Resources: [] });

      const pagers = encodeURIComponent('userName sw "pager"');
      const page1 = await scim('GET', `/Users?filter=${pagers}&startIndex=1&count=2`, tokenA);
      expect(page1.body).toMatchObject({ totalResults: 3, itemsPerPage: 2, startIndex: 1 });
      const page2 = await scim('GET', `/Users?filter=${pagers}&startIndex=3&count=2`, tokenA);
      expect(page2.body).toMatchObject({ totalResults: 3, itemsPerPage: 1, startIndex: 3 });
      expect(page2.body.Resources[0].userName).toBe('pager3@okta.test');
      const countOnly = await scim('GET', `/Users?filter=${pagers}&count=0`, tokenA);
      expect(countOnly.body).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
    });

    it("Okta's deactivation ({op: replace, value: {active: false}}) cuts off the user's access token and API key at once", async () => {
      const carol = await api.seedUser('scim-a', 'tenant_admin', 'carol@a.test');
      const key = await api.request('POST', '/api/v1/api-keys', {
        token: carol.token,
        body: { name: 'carol-key', scopes: ['*'] },
      });
      expect(key.status).toBe(201);
      expect((await api.request('GET', '/api/v1/auth/me', { token: carol.token })).status).toBe(200);
      expect((await api.request('GET', '/api/v1/auth/me', { apiKey: key.body.key })).status).toBe(200);

      const res = await scim('PATCH', `/Users/${carol.id}`, tokenA, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.active).toBe(false);
      expect((await membership(t.a.id, carol.id)).status).toBe('disabled');
      expect((await api.request('GET', '/api/v1/auth/me', { token: carol.token })).status).toBe(401);
      expect((await api.request('GET', '/api/v1/auth/me', { apiKey: key.body.key })).status).toBe(401);
      const [session] = await api.sql(
        `SELECT count(*)::int AS live FROM auth_sessions WHERE user_id = $1 AND revoked_at IS NULL`,
        [carol.id],
      );
      expect(session.live).toBe(0);
    });

    it('PUT replaces the user; userName cannot change (400 mutability, nothing written)', async () => {
      const put = await scim('PUT', `/Users/${aliceId}`, tokenA, {
        schemas: [USER_SCHEMA],
        userName: 'alice@okta.test',
        name: { givenName: 'Alicia', familyName: 'Anders' },
        emails: [{ value: 'alice@okta.test', type: 'work', primary: true }],
        active: true,
      });
      expect(put.status, put.text).toBe(200);
      expect(put.body).toMatchObject({
        name: { givenName: 'Alicia', familyName: 'Anders' },
        displayName: 'Alicia Anders',
      });
      expect(put.body.externalId).toBeUndefined();
      const before = await counts();
      expectScimError(
        await scim('PUT', `/Users/${aliceId}`, tokenA, { ...oktaUser('alice2@okta.test', 'A', 'B') }),
        400,
        'mutability',
      );
      expect(await counts()).toEqual(before);
    });
  });

  describe('users (Entra ID)', () => {
    let bobId: string;

    it("creates a user from Entra's request (enterprise extension, externalId) and applies its PATCH forms", async () => {
      const created = await scim(
        'POST',
        '/Users',
        tokenA,
        entraUser('bob@entra.test', 'Bob', 'Brown'),
        'application/json',
      );
      expect(created.status, created.text).toBe(201);
      bobId = created.body.id;
      expect(created.body).toMatchObject({
        externalId: 'bob-entra-object-id',
        userName: 'bob@entra.test',
        displayName: 'Bob Brown',
        active: true,
      });
      // Entra's provisioning test: a filter on a userName it made up.
      const probe = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('userName eq "non-existent@entra.test"')}`,
        tokenA,
      );
      expect(probe.body).toMatchObject({ totalResults: 0, Resources: [] });

      const patched = await scim('PATCH', `/Users/${bobId}`, tokenA, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'bob.brown@entra.test' },
          { op: 'Replace', path: 'name.givenName', value: 'Robert' },
          { op: 'Replace', path: 'displayName', value: 'Robert Brown' },
          { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Detection' },
          { op: 'Add', path: 'externalId', value: 'bob-new-object-id' },
        ],
      });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body).toMatchObject({
        emails: [{ value: 'bob.brown@entra.test', type: 'work', primary: true }],
        name: { givenName: 'Robert', familyName: 'Brown' },
        displayName: 'Robert Brown',
        externalId: 'bob-new-object-id',
        active: true,
      });
      const byEmail = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('emails[value eq "bob.brown@entra.test"]')}`,
        tokenA,
      );
      expect(byEmail.body.Resources.map((u: { id: string }) => u.id)).toEqual([bobId]);
    });

    it('reads string booleans ("False", "True") and path-less values with sub-attribute keys', async () => {
      const off = await scim('PATCH', `/Users/${bobId}`, tokenA, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      });
      expect(off.status, off.text).toBe(200);
      expect(off.body.active).toBe(false);
      expect((await membership(t.a.id, bobId)).status).toBe('disabled');
      const on = await scim('PATCH', `/Users/${bobId}`, tokenA, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', value: { active: 'True', 'name.familyName': 'Braun' } }],
      });
      expect(on.status, on.text).toBe(200);
      expect(on.body).toMatchObject({ active: true, name: { familyName: 'Braun' } });
      expect((await membership(t.a.id, bobId)).status).toBe('active');
    });
  });

  describe('groups and roles', () => {
    let dana: string;
    let eve: string;
    let groupId: string;

    beforeAll(async () => {
      dana = (await scim('POST', '/Users', tokenA, oktaUser('dana@okta.test', 'Dana', 'D'))).body.id;
      eve = (await scim('POST', '/Users', tokenA, entraUser('eve@entra.test', 'Eve', 'E'))).body.id;
    });

    it('a group created with members gives them its mapped role', async () => {
      const res = await scim('POST', '/Groups', tokenA, {
        schemas: [GROUP_SCHEMA],
        displayName: 'sec-analysts',
        externalId: 'grp-1',
        members: [{ value: dana }],
      });
      expect(res.status, res.text).toBe(201);
      groupId = res.body.id;
      expect(res.body).toEqual({
        schemas: [GROUP_SCHEMA],
        id: groupId,
        externalId: 'grp-1',
        displayName: 'sec-analysts',
        members: [{ value: dana, display: 'Dana D', $ref: `https://conduit.example.test/scim/v2/Users/${dana}` }],
        meta: expect.objectContaining({
          resourceType: 'Group',
          location: `https://conduit.example.test/scim/v2/Groups/${groupId}`,
        }),
      });
      expect(await roleOf(dana)).toBe('analyst');
      expect(await roleOf(eve)).toBe('viewer');
      const user = await scim('GET', `/Users/${dana}`, tokenA);
      expect(user.body.groups).toEqual([
        { value: groupId, display: 'sec-analysts', $ref: `https://conduit.example.test/scim/v2/Groups/${groupId}` },
      ]);
    });

    it("Entra's Add and Remove of members change roles, visible in GET /api/v1/users/{id}", async () => {
      const add = await scim('PATCH', `/Groups/${groupId}`, tokenA, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Add', path: 'members', value: [{ value: eve }] }],
      });
      expect(add.status, add.text).toBe(200);
      expect(await roleOf(eve)).toBe('analyst');
      const remove = await scim('PATCH', `/Groups/${groupId}`, tokenA, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Remove', path: `members[value eq "${eve}"]` }],
      });
      expect(remove.status, remove.text).toBe(200);
      expect(remove.body.members.map((m: { value: string }) => m.value)).toEqual([dana]);
      expect(await roleOf(eve)).toBe('viewer');
      // Removing someone who is not a member is harmless.
      const again = await scim('PATCH', `/Groups/${groupId}`, tokenA, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Remove', path: `members[value eq "${eve}"]` }],
      });
      expect(again.status, again.text).toBe(200);
    });

    it("Okta's replace of displayName and members re-maps every member", async () => {
      const res = await scim('PATCH', `/Groups/${groupId}`, tokenA, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'replace', value: { id: groupId, displayName: 'sec-admins' } },
          { op: 'replace', path: 'members', value: [{ value: dana, display: 'dana@okta.test' }, { value: eve }] },
        ],
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.displayName).toBe('sec-admins');
      expect(await roleOf(dana)).toBe('tenant_admin');
      expect(await roleOf(eve)).toBe('tenant_admin');
    });

    it('never grants more than tenant_admin, whatever the mapping says', async () => {
      const res = await scim('POST', '/Groups', tokenA, {
        schemas: [GROUP_SCHEMA],
        displayName: 'msp-operators',
        members: [{ value: eve }],
      });
      expect(res.status, res.text).toBe(201);
      expect(await roleOf(eve)).toBe('tenant_admin');
      expect((await scim('DELETE', `/Groups/${res.body.id}`, tokenA)).status).toBe(204);
    });

    it('lists groups by displayName, without members when excluded', async () => {
      const res = await scim(
        'GET',
        `/Groups?filter=${encodeURIComponent('displayName eq "SEC-ADMINS"')}&excludedAttributes=members`,
        tokenA,
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ totalResults: 1, itemsPerPage: 1, startIndex: 1 });
      expect(res.body.Resources[0].id).toBe(groupId);
      expect(res.body.Resources[0].members).toBeUndefined();
      const member = await scim('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${dana}"]`)}`, tokenA);
      expect(member.body.Resources.map((g: { id: string }) => g.id)).toEqual([groupId]);
    });

    it('refuses a duplicate displayName (409) and an unknown member (400), writing nothing', async () => {
      const before = await counts();
      expectScimError(
        await scim('POST', '/Groups', tokenA, { schemas: [GROUP_SCHEMA], displayName: 'Sec-Admins' }),
        409,
        'uniqueness',
      );
      expectScimError(
        await scim('POST', '/Groups', tokenA, {
          schemas: [GROUP_SCHEMA],
          displayName: 'new',
          members: [{ value: randomUUID() }],
        }),
        400,
        'invalidValue',
      );
      expectScimError(
        await scim('PATCH', `/Groups/${groupId}`, tokenA, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Add', path: 'members', value: [{ value: adminB.id }] }],
        }),
        400,
        'invalidValue',
      );
      expect(await counts()).toEqual(before);
    });

    it('deleting the group takes its roles away (back to the default role)', async () => {
      const res = await scim('DELETE', `/Groups/${groupId}`, tokenA);
      expect(res.status).toBe(204);
      expect(await roleOf(dana)).toBe('viewer');
      expect(await roleOf(eve)).toBe('viewer');
      expectScimError(await scim('GET', `/Groups/${groupId}`, tokenA), 404);
    });

    it('without a default role, a user is provisioned disabled until a mapped group gives a role', async () => {
      const frank = await scim('POST', '/Users', tokenB, entraUser('frank@b.test', 'Frank', 'F'));
      expect(frank.status, frank.text).toBe(201);
      expect(frank.body.active).toBe(true);
      expect(await membership(t.b.id, frank.body.id)).toEqual({ role: 'viewer', status: 'disabled' });
      const group = await scim('POST', '/Groups', tokenB, {
        schemas: [GROUP_SCHEMA],
        displayName: 'b-team',
        members: [{ value: frank.body.id }],
      });
      expect(group.status, group.text).toBe(201);
      expect(await membership(t.b.id, frank.body.id)).toEqual({ role: 'analyst', status: 'active' });
      const out = await scim('PUT', `/Groups/${group.body.id}`, tokenB, {
        schemas: [GROUP_SCHEMA],
        displayName: 'b-team',
      });
      expect(out.status, out.text).toBe(200);
      expect(await membership(t.b.id, frank.body.id)).toEqual({ role: 'analyst', status: 'disabled' });
    });
  });

  describe('the last admin', () => {
    it("never demotes, disables or removes the tenant's last active admin; the change applies once another exists", async () => {
      const c = await api.seedTenant('scim-c');
      const adminC = await api.seedUser('scim-c', 'tenant_admin');
      const connC = await insertConnection(c.id, { 'c-admins': 'tenant_admin' }, 'viewer');
      const tokenC = (await createToken(adminC.token, connC, 'okta')).token;
      const hank = (await scim('POST', '/Users', tokenC, oktaUser('hank@c.test', 'Hank', 'H'))).body.id as string;
      const group = await scim('POST', '/Groups', tokenC, {
        schemas: [GROUP_SCHEMA],
        displayName: 'c-admins',
        members: [{ value: hank }],
      });
      expect(group.status, group.text).toBe(201);
      expect(await membership(c.id, hank)).toEqual({ role: 'tenant_admin', status: 'active' });
      // The local admin leaves: Hank, managed by the IdP, is the last active admin.
      await api.sql(`UPDATE memberships SET status = 'disabled' WHERE tenant_id = $1 AND user_id = $2`, [
        c.id,
        adminC.id,
      ]);

      const off = await scim('PATCH', `/Users/${hank}`, tokenC, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      expect(off.status, off.text).toBe(200);
      const out = await scim('PATCH', `/Groups/${group.body.id}`, tokenC, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'remove', path: `members[value eq "${hank}"]` }],
      });
      expect(out.status, out.text).toBe(200);
      expect(await membership(c.id, hank)).toEqual({ role: 'tenant_admin', status: 'active' });
      const kept = await api.sql(
        `SELECT 1 FROM audit_events WHERE tenant_id = $1 AND action = 'scim.last_admin_kept' AND target_id = $2`,
        [c.id, hank],
      );
      expect(kept.length).toBeGreaterThanOrEqual(2);
      expectScimError(await scim('DELETE', `/Users/${hank}`, tokenC), 409);
      expect(await membership(c.id, hank)).toBeDefined();

      // Another admin again: the IdP's next change of Hank applies.
      await api.sql(`UPDATE memberships SET status = 'active' WHERE tenant_id = $1 AND user_id = $2`, [
        c.id,
        adminC.id,
      ]);
      const again = await scim('PATCH', `/Users/${hank}`, tokenC, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      expect(again.status, again.text).toBe(200);
      expect(await membership(c.id, hank)).toEqual({ role: 'viewer', status: 'disabled' });
    });
  });

  describe('tenants and accounts', () => {
    it("tenant B's token never sees or changes A's users and groups", async () => {
      const listB = await scim('GET', '/Users?count=200', tokenB);
      const emailsB = listB.body.Resources.map((u: { userName: string }) => u.userName);
      expect(emailsB).not.toContain('alice@okta.test');
      expect(emailsB).not.toContain(adminA.email);
      const alice = (await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "alice@okta.test"')}`, tokenA))
        .body.Resources[0].id;
      expectScimError(await scim('GET', `/Users/${alice}`, tokenB), 404);
      expectScimError(
        await scim('PATCH', `/Users/${alice}`, tokenB, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', value: { active: false } }],
        }),
        404,
      );
      expectScimError(await scim('DELETE', `/Users/${alice}`, tokenB), 404);
      expect((await membership(t.a.id, alice)).status).toBe('active');
      const groupsA = await scim('POST', '/Groups', tokenA, { schemas: [GROUP_SCHEMA], displayName: 'a-only' });
      expectScimError(await scim('GET', `/Groups/${groupsA.body.id}`, tokenB), 404);
      expect((await scim('GET', '/Groups', tokenB)).body.Resources.map((g: { id: string }) => g.id)).not.toContain(
        groupsA.body.id,
      );
    });

    it('an email with an account in another tenant gets a membership here, answered exactly as a new user', async () => {
      const fresh = await scim('POST', '/Users', tokenB, oktaUser('fresh@b.test', 'Gina', 'G'));
      const existing = await scim('POST', '/Users', tokenB, oktaUser('alice@okta.test', 'Gina', 'G'));
      expect(existing.status, existing.text).toBe(201);
      const shape = (body: any) => ({
        ...body,
        id: 'x',
        userName: 'x',
        emails: 'x',
        externalId: 'x',
        meta: { ...body.meta, created: 'x', lastModified: 'x', location: 'x', version: 'x' },
      });
      expect(shape(existing.body)).toEqual(shape(fresh.body));
      expect(existing.body).toMatchObject({ displayName: 'Gina G', name: { givenName: 'Gina' }, groups: [] });
      expect(Date.parse(existing.body.meta.created)).toBeGreaterThan(Date.now() - 60_000);
      // One account, a membership in each tenant; A's is untouched.
      const [account] = await api.sql(`SELECT count(*)::int AS n FROM users WHERE email = 'alice@okta.test'`);
      expect(account.n).toBe(1);
      expect(await membership(t.b.id, existing.body.id)).toEqual({ role: 'viewer', status: 'disabled' });
      const inA = await scim('GET', `/Users/${existing.body.id}`, tokenA);
      expect(inA.body).toMatchObject({ displayName: 'Alicia Anders', active: true });

      // Deleting it in B removes B's membership alone.
      expect((await scim('DELETE', `/Users/${existing.body.id}`, tokenB)).status).toBe(204);
      expect(await membership(t.b.id, existing.body.id)).toBeUndefined();
      expect(await membership(t.a.id, existing.body.id)).toEqual({ role: 'viewer', status: 'active' });
      expectScimError(await scim('GET', `/Users/${existing.body.id}`, tokenB), 404);
    });

    it('DELETE of a user cuts off its sessions and removes the membership', async () => {
      const gus = await api.seedUser('scim-a', 'analyst', 'gus@a.test');
      expect((await api.request('GET', '/api/v1/auth/me', { token: gus.token })).status).toBe(200);
      expect((await scim('DELETE', `/Users/${gus.id}`, tokenA)).status).toBe(204);
      expect((await api.request('GET', '/api/v1/auth/me', { token: gus.token })).status).toBe(401);
      expect(await membership(t.a.id, gus.id)).toBeUndefined();
    });
  });

  describe('bad input', () => {
    it.each([
      ['no userName', { schemas: [USER_SCHEMA], name: { givenName: 'x' } }, 'invalidValue'],
      ['a userName that is not an email', { schemas: [USER_SCHEMA], userName: 'not-an-email' }, 'invalidValue'],
      [
        'active that is not a boolean',
        { schemas: [USER_SCHEMA], userName: 'h@x.test', active: 'maybe' },
        'invalidValue',
      ],
      [
        'emails that are not an array',
        { schemas: [USER_SCHEMA], userName: 'h@x.test', emails: 'h@x.test' },
        'invalidValue',
      ],
      ['a body that is an array', [{ userName: 'h@x.test' }], 'invalidSyntax'],
      ['a body that is not JSON', '{"userName": ', 'invalidSyntax'],
    ])('POST /Users with %s is 400 %s and writes nothing', async (_what, body, scimType) => {
      const before = await counts();
      expectScimError(await scim('POST', '/Users', tokenA, body), 400, scimType);
      expect(await counts()).toEqual(before);
    });

    it('input every route refuses (a NUL character) is a SCIM 400 too', async () => {
      const before = await counts();
      expectScimError(await scim('POST', '/Users', tokenA, { userName: 'nul\u0000@x.test' }), 400, 'invalidValue');
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['userName eq', 'does not parse'],
      ['password eq "x"', 'unsupported attribute'],
      ['userName zz "x"', 'unknown operator'],
    ])('GET /Users?filter=%s (%s) is 400 invalidFilter', async (filter) => {
      expectScimError(await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`, tokenA), 400, 'invalidFilter');
    });

    it('PATCH with a bad op, a bad path or no Operations is 400 and writes nothing', async () => {
      const id = (await scim('GET', '/Users?count=1', tokenA)).body.Resources[0].id;
      const before = await counts();
      expectScimError(
        await scim('PATCH', `/Users/${id}`, tokenA, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'frob', path: 'active', value: true }],
        }),
        400,
        'invalidSyntax',
      );
      expectScimError(
        await scim('PATCH', `/Users/${id}`, tokenA, { schemas: [PATCH_OP], Operations: [{ op: 'remove' }] }),
        400,
        'noTarget',
      );
      expectScimError(
        await scim('PATCH', `/Users/${id}`, tokenA, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'active', value: 'nope' }],
        }),
        400,
        'invalidValue',
      );
      expectScimError(await scim('PATCH', `/Users/${id}`, tokenA, { schemas: [PATCH_OP] }), 400, 'invalidSyntax');
      expectScimError(
        await scim('PATCH', `/Users/${id}`, tokenA, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'userName', value: 'someone-else@x.test' }],
        }),
        400,
        'mutability',
      );
      expect(await counts()).toEqual(before);
    });

    it('unknown ids are SCIM 404s', async () => {
      expectScimError(await scim('GET', `/Users/${randomUUID()}`, tokenA), 404);
      expectScimError(await scim('GET', '/Users/not-a-uuid', tokenA), 404);
      expectScimError(await scim('DELETE', `/Groups/${randomUUID()}`, tokenA), 404);
    });

    it("the licence's users quota refuses a new membership with a SCIM 403, writing nothing", async () => {
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM memberships`);
      await useLicenseTerms(api, { quotas: { users: n, tenants: null } });
      const before = await counts();
      expectScimError(await scim('POST', '/Users', tokenA, oktaUser('over@quota.test', 'O', 'Q')), 403);
      expect(await counts()).toEqual(before);
      await liftQuotas(api);
    });
  });
});
