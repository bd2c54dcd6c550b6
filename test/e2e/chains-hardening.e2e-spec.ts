// Execution chains against an audit's findings, on the real API and worker: credential values never reach CEL nor
// anything stored or returned; unstorable inputs and responses end runs instead of leaving them re-sent for ever;
// CEL evaluation is bounded; definitions, headers, updates, retries, permissions and the Swagger document are strict.
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { ReceivedRequest, WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const LEASE_SECONDS = 5;
const json = (body: unknown, status = 200) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

// Credential values: plain text; one with the characters JSON escapes (", \, tab), / and non-ASCII; one too short
// to be masked wherever it occurs.
const PLAIN = 'SK_LIVE_PLAINSECRET123';
const QUOTED = 'se"cr\\et\tv/al ü-77';
const SHORT = 'Qx~';

/**
 * Every form a value must not be found in: as is, JSON-escaped once and twice, ASCII-escaped, percent-encoded, base64.
 */
function forbiddenForms(value: string): string[] {
  const once = JSON.stringify(value).slice(1, -1);
  const forms = [
    value,
    once,
    JSON.stringify(once).slice(1, -1),
    encodeURIComponent(value),
    encodeURIComponent(value).replaceAll('%20', '+'),
  ];
  forms.push(once.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  if (value.length >= 8) forms.push(b64(value).slice(0, 16), b64(`user:${value}`));
  return [...new Set(forms)];
}

describe('execution chains: hardening', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let admin: { token: string };
  let analyst: { token: string };

  beforeAll(async () => {
    stack = await startTestStack({
      config: {
        CHAIN_TIMEOUT_MS: '2000',
        CHAIN_LEASE_SECONDS: String(LEASE_SECONDS),
        CHAIN_RECONCILE_INTERVAL_MS: '500',
      },
    });
    receiver = await startWebhookReceiver();
    await stack.api.seedTenant('acme');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    analyst = await stack.api.seedUser('acme', 'analyst');
    for (const [name, value] of [
      ['plain', PLAIN],
      ['quoted', QUOTED],
      ['short', SHORT],
    ]) {
      const res = await api().request('POST', '/api/v1/credentials', {
        token: admin.token,
        body: { name, value, allowed_hosts: [new URL(receiver.url()).host] },
      });
      expect(res.status, res.text).toBe(201);
    }
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const api = () => stack.api;
  /** A subscription on a path of the shared receiver. */
  async function at(path: string): Promise<string> {
    const res = await api().request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: { app_name: path.replace(/\//g, '-'), target_url: receiver.url(path), event_types: ['chain.step'] },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }
  const create = (body: Record<string, unknown>, token = analyst.token) =>
    api().request('POST', '/api/v1/chains', { token, body });
  async function createChain(body: Record<string, unknown>): Promise<{ id: string; version: number }> {
    const res = await create(body);
    expect(res.status, res.text).toBe(201);
    return res.body;
  }
  async function execute(chainId: string, trigger_data: Record<string, unknown> = {}): Promise<string> {
    const res = await api().request('POST', `/api/v1/chains/${chainId}/execute`, {
      token: analyst.token,
      body: { trigger_data },
    });
    expect(res.status, res.text).toBe(202);
    return res.body.run_id;
  }
  const getRun = async (runId: string) =>
    (await api().request('GET', `/api/v1/chains/runs/${runId}`, { token: analyst.token })).body;
  /** The run once it has ended (completed, failed or cancelled, its compensation finished). */
  const untilEnded = (runId: string, timeoutMs = 15_000) =>
    waitFor(
      `run ${runId} to end`,
      async () => {
        const run = await getRun(runId);
        return ['completed', 'failed', 'cancelled'].includes(run.status) && run.compensation_status !== 'running'
          ? run
          : undefined;
      },
      timeoutMs,
    );
  /** Everything the database holds about runs, as text. */
  async function storedRuns(): Promise<string> {
    const rows = await api().sql(
      `SELECT (SELECT coalesce(json_agg(t)::text, '') FROM execution_chain_step_runs t) || (SELECT coalesce(json_agg(t)::text, '') FROM execution_chain_runs t) AS text`,
    );
    return rows[0].text as string;
  }

  describe('credentials', () => {
    it('refuses any use of a credential inside an expression when the chain is saved (400 invalid_chain_step)', async () => {
      const webhook = await at('/cred/refused');
      const cases: [Record<string, unknown>, string][] = [
        [{ request_params: { a: '{{ trigger_data[credentials.plain.upperAscii()] }}' } }, 'steps[0].request_params.a'],
        [{ request_params: { a: '{{ trigger_data[credentials.plain.lowerAscii()] }}' } }, 'steps[0].request_params.a'],
        [{ request_params: { a: { b: '{{ credentials.plain.substring(1) }}' } } }, 'steps[0].request_params.a.b'],
        [{ request_params: { a: '{{ credentials.plain.split("").join(" ") }}' } }, 'steps[0].request_params.a'],
        [{ request_params: { a: 'x {{ credentials.plain + "y" }}' } }, 'steps[0].request_params.a'],
        [{ request_params: { a: '{{ size(credentials) }}' } }, 'steps[0].request_params.a'],
        [{ request_params: { a: '{{ credentials[trigger_data.which] }}' } }, 'steps[0].request_params.a'],
        [{ headers: { 'X-Key': '{{ credentials.plain.upperAscii() }}' } }, 'steps[0].headers.X-Key'],
        [{ condition: 'credentials.quoted == "x"' }, 'steps[0].condition'],
        [{ condition: '{{ credentials.plain.startsWith("SK") }}' }, 'steps[0].condition'],
      ];
      for (const [step, field] of cases) {
        const res = await create({
          name: 'leaky',
          trigger_event: 'leak.x',
          steps: [{ webhook_id: webhook, name: 'Leak', ...step }],
        });
        expect({ status: res.status, code: res.body.error?.code, step }).toEqual({
          status: 400,
          code: 'invalid_chain_step',
          step,
        });
        expect(res.body.error.message).toMatch(/^Step 1 \("Leak"\): .*credentials can only be used on their own/);
        expect(res.body.error.details[0]).toMatchObject({ field, step: 'Leak', position: 1 });
      }
      const ok = await create({
        name: 'whole references',
        trigger_event: 'leak.ok',
        steps: [
          {
            webhook_id: webhook,
            name: 'Fine',
            headers: { Authorization: 'Bearer {{credentials.plain}}' },
            request_params: {
              a: '{{credentials.plain}}',
              b: 'key={{ credentials["quoted"] }}',
              c: '{{ .credentials.short }}',
            },
          },
        ],
      });
      expect(ok.status, ok.text).toBe(201);
    });

    it('fails a run of a definition saved before the rule, without the value in the error or anywhere else', async () => {
      const chain = await createChain({
        name: 'old definition',
        trigger_event: 'leak.old',
        steps: [{ webhook_id: await at('/cred/old'), name: 'Old' }],
      });
      await api().sql(
        `UPDATE execution_chain_steps SET request_params = $2::jsonb, condition = NULL WHERE chain_id = $1`,
        [
          chain.id,
          JSON.stringify({
            a: '{{ trigger_data[credentials.plain.upperAscii()] }}',
            b: '{{ trigger_data[credentials.short] }}',
          }),
        ],
      );
      const run = await untilEnded(await execute(chain.id, { x: 1 }));
      expect(run.status).toBe('failed');
      expect(run.step_runs[0].last_error).toMatch(/credentials can only be used on their own/);
      expect(receiver.to('/cred/old')).toHaveLength(0);
      const stored = await storedRuns();
      for (const value of [PLAIN, PLAIN.toLowerCase(), QUOTED])
        for (const form of forbiddenForms(value)) expect(stored).not.toContain(form);
      expect(stored).not.toContain(SHORT);
    });

    it('masks credentials a receiver echoes, in every form, short values included, in what is stored, returned and sent on', async () => {
      // httpbin-style: the raw body as a string, the parsed body, headers, and encoded forms.
      receiver.respond(
        (req) =>
          json({
            data: req.body,
            json: JSON.parse(req.body),
            authorization: req.headers.authorization,
            short: req.headers['x-short'],
            url: `https://example.test/cb?k=${encodeURIComponent(QUOTED)}&p=${encodeURIComponent(PLAIN)}`,
            form: encodeURIComponent(QUOTED).replaceAll('%20', '+'),
            basic: `Basic ${b64(`user:${PLAIN}`)}`,
            b64: b64(QUOTED),
            b64url: Buffer.from(`xy${PLAIN}`).toString('base64url'),
          }),
        '/cred/echo',
      );
      receiver.respond(200, '/cred/next');
      const chain = await createChain({
        name: 'echoed credentials',
        trigger_event: 'leak.echo',
        steps: [
          {
            webhook_id: await at('/cred/echo'),
            name: 'Echo',
            headers: { Authorization: 'Bearer {{credentials.plain}}', 'X-Short': '{{credentials.short}}' },
            request_params: {
              plain: '{{credentials.plain}}',
              quoted: '{{credentials.quoted}}',
              short: '{{credentials.short}}',
              note: 'k={{credentials.plain}}',
            },
          },
          {
            webhook_id: await at('/cred/next'),
            name: 'Next',
            request_params: {
              short: '{{step_1.response.short}}',
              data: '{{step_1.response.data}}',
              json: '{{step_1.response.json}}',
              basic: '{{step_1.response.basic}}',
            },
          },
        ],
      });
      const runId = await execute(chain.id);
      const run = await untilEnded(runId);
      expect(run.status).toBe('completed');
      const [sent] = receiver.to('/cred/echo');
      expect(bodyOf(sent)).toEqual({ plain: PLAIN, quoted: QUOTED, short: SHORT, note: `k=${PLAIN}` });
      expect(sent.headers.authorization).toBe(`Bearer ${PLAIN}`);
      expect(sent.headers['x-short']).toBe(SHORT);

      expect(run.step_runs[0].request_payload).toEqual({
        plain: '[REDACTED]',
        quoted: '[REDACTED]',
        short: '[REDACTED]',
        note: 'k=[REDACTED]',
      });
      expect(run.step_runs[0].request_headers).toMatchObject({
        Authorization: 'Bearer [REDACTED]',
        'X-Short': '[REDACTED]',
      });
      // The masked response is still the receiver's JSON, and what the next step was sent.
      expect(JSON.parse(run.step_runs[0].response_body)).toMatchObject({
        short: '[REDACTED]',
        json: { plain: '[REDACTED]', short: '[REDACTED]' },
      });
      const [next] = receiver.to('/cred/next');
      expect(bodyOf(next)).toMatchObject({
        short: '[REDACTED]',
        json: { plain: '[REDACTED]', quoted: '[REDACTED]', short: '[REDACTED]' },
      });
      // Base64 characters that depend on the value are masked; those shared with "user:" or padding stay.
      expect(bodyOf(next).basic).toMatch(/^Basic [A-Za-z0-9+/]{0,8}\[REDACTED\][A-Za-z0-9+/=]{0,4}$/);
      expect(run.step_runs[1].request_payload).toEqual(bodyOf(next));

      const texts = [
        JSON.stringify(run),
        (await api().request('GET', '/api/v1/chains/runs?limit=200', { token: analyst.token })).text,
        next.body,
        await storedRuns(),
      ];
      for (const text of texts) {
        for (const value of [PLAIN, QUOTED])
          for (const form of forbiddenForms(value)) expect(text, form).not.toContain(form);
        expect(text).not.toContain(SHORT);
        expect(text).not.toContain(Buffer.from(`xy${PLAIN}`).toString('base64url').slice(4, 20));
      }
    });
  });

  describe('runs never get stuck', () => {
    beforeAll(async () => {
      // Records of these two steps fail, as a database refusing a value would (the others are untouched).
      await api().sql(`
        CREATE FUNCTION hardening_refuse_record() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.status <> 'running' AND NEW.name = 'Flaky record' AND NEW.response_body IS NOT NULL THEN
            RAISE EXCEPTION 'simulated storage failure';
          END IF;
          IF NEW.status <> 'running' AND NEW.name = 'Never recorded' AND coalesce(NEW.last_error, '') NOT LIKE 'gave up%' THEN
            RAISE EXCEPTION 'simulated storage failure';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER hardening_refuse_record BEFORE UPDATE ON execution_chain_step_runs FOR EACH ROW EXECUTE FUNCTION hardening_refuse_record();`);
    });
    afterAll(() =>
      api().sql(
        `DROP TRIGGER hardening_refuse_record ON execution_chain_step_runs; DROP FUNCTION hardening_refuse_record();`,
      ),
    );

    it('ends runs on unstorable responses and renders as recorded attempts; nothing is sent again after the lease', async () => {
      receiver.respond(
        () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"a":"x\\u0000y"}' }),
        '/stuck/nul-escape',
      );
      receiver.respond(
        () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'x\u0000y' }),
        '/stuck/nul-raw',
      );
      receiver.respond(
        () => ({
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
        }),
        '/stuck/deep',
      );
      receiver.respond(
        () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"a":"\\ud800","n":1e400}' }),
        '/stuck/surrogate',
      );
      const responses: Record<string, string> = {
        'nul-escape': 'completed',
        'nul-raw': 'completed',
        deep: 'completed',
        surrogate: 'completed',
      };
      const renders: Record<string, [Record<string, unknown>, RegExp]> = {
        'nul-template': [
          { request_params: { a: "{{ 'x\\u0000y' }}" } },
          /request_params\.a: the rendered value contains a NUL character/,
        ],
        'nul-key': [{ request_params: { a: "{{ trigger_data['\\u0000'] }}" } }, /No such key: \uFFFD/],
        infinity: [
          { request_params: { a: '{{ 1.0 / 0.0 }}' } },
          /request_params\.a: the rendered value is a number beyond double range/,
        ],
        header: [
          { headers: { 'X-A': '{{ trigger_data.v }}' } },
          /headers\.X-A: the rendered value cannot be sent as a header/,
        ],
        'header-crlf': [
          { headers: { 'X-A': 'a{{ trigger_data.crlf }}b' } },
          /headers\.X-A: the rendered value cannot be sent as a header/,
        ],
      };
      const runs: Record<string, string> = {};
      for (const name of Object.keys(responses)) {
        const chain = await createChain({
          name: `stuck ${name}`,
          trigger_event: 'stuck.response',
          steps: [
            { webhook_id: await at(`/stuck/${name}`), name: 'Answer' },
            {
              webhook_id: await at(`/stuck/${name}/next`),
              name: 'Read',
              request_params: { previous: '{{ step_1.response }}' },
            },
          ],
        });
        runs[name] = await execute(chain.id);
      }
      for (const [name, [step]] of Object.entries(renders)) {
        const chain = await createChain({
          name: `stuck ${name}`,
          trigger_event: 'stuck.render',
          steps: [{ webhook_id: await at(`/stuck/${name}`), name: 'Render', ...step }],
        });
        runs[name] = await execute(chain.id, { v: '日本', crlf: '\r\nInjected: 1' });
      }
      const started = Date.now();
      const ended: Record<string, any> = {};
      for (const [name, runId] of Object.entries(runs)) ended[name] = await untilEnded(runId);
      // One lease and more: an unrecorded attempt would have been claimed and sent again by now.
      await pause(Math.max(0, LEASE_SECONDS * 1000 + 1500 - (Date.now() - started)));

      for (const name of Object.keys(responses)) {
        const run = await getRun(runs[name]);
        expect({ name, status: run.status }).toEqual({ name, status: 'completed' });
        expect(run.step_runs[0]).toMatchObject({ status: 'sent', attempt_count: 1, response_code: 200 });
        expect(receiver.to(`/stuck/${name}`), name).toHaveLength(1);
        expect(receiver.to(`/stuck/${name}/next`), name).toHaveLength(1);
        expect(run).toEqual(ended[name]);
      }
      const byName = async (name: string) => (await getRun(runs[name])).step_runs[0];
      expect((await byName('nul-raw')).response_body).toBe('x\uFFFDy');
      expect((await byName('nul-escape')).response_body).toBe('{"a":"x\\u0000y"}');
      // Unstorable JSON is kept as text, which later steps read as a string.
      expect(bodyOf(receiver.to('/stuck/nul-escape/next')[0])).toEqual({ previous: '{"a":"x\\u0000y"}' });
      expect(bodyOf(receiver.to('/stuck/deep/next')[0]).previous).toHaveLength(10_000);
      expect(bodyOf(receiver.to('/stuck/surrogate/next')[0])).toEqual({ previous: '{"a":"\\ud800","n":1e400}' });

      for (const [name, [, error]] of Object.entries(renders)) {
        const run = await getRun(runs[name]);
        expect({ name, status: run.status }).toEqual({ name, status: 'failed' });
        expect(run.step_runs[0]).toMatchObject({ status: 'failed', attempt_count: 1 });
        expect(run.step_runs[0].last_error).toMatch(error);
        expect(run.last_error).toMatch(error);
        expect(receiver.to(`/stuck/${name}`), name).toHaveLength(0);
      }
    });

    it('records an attempt whose record fails as a failed attempt: the step retries by its policy, then fails', async () => {
      const chain = await createChain({
        name: 'flaky record',
        trigger_event: 'stuck.record',
        steps: [
          { webhook_id: await at('/stuck/record'), name: 'Flaky record', max_retries: 1, retry_backoff_seconds: 0 },
        ],
      });
      const run = await untilEnded(await execute(chain.id));
      expect(run.status).toBe('failed');
      expect(run.step_runs[0]).toMatchObject({ status: 'failed', attempt_count: 2, response_body: null });
      expect(run.step_runs[0].last_error).toMatch(
        /^internal error while running the step: .*simulated storage failure/,
      );
      await pause(LEASE_SECONDS * 1000 + 1000);
      expect(receiver.to('/stuck/record')).toHaveLength(2);
    });

    it(
      'gives up on a step whose attempts are never recorded, after a bounded number of sends',
      { timeout: 90_000 },
      async () => {
        const chain = await createChain({
          name: 'never recorded',
          trigger_event: 'stuck.never',
          steps: [{ webhook_id: await at('/stuck/never'), name: 'Never recorded' }],
        });
        const run = await untilEnded(await execute(chain.id), 60_000);
        expect(run.status).toBe('failed');
        // on_failure_action stop: one attempt of its own, and 3 more lost ones, then it gives up without sending.
        expect(run.step_runs[0]).toMatchObject({ status: 'failed', attempt_count: 5 });
        expect(run.step_runs[0].last_error).toMatch(
          /^gave up: 4 attempts of this step were started without a recorded result/,
        );
        expect(receiver.to('/stuck/never')).toHaveLength(4);
        expect(new Set(receiver.to('/stuck/never').map((r) => r.headers['webhook-id'])).size).toBe(1);
      },
    );
  });

  describe('evaluation bounds', () => {
    it('refuses comprehension macros nested more than two deep when the chain is saved', async () => {
      const res = await create({
        name: 'bomb',
        trigger_event: 'cel.bomb',
        steps: [
          {
            webhook_id: await at('/cel/bomb'),
            name: 'Bomb',
            request_params: {
              n: '{{ trigger_data.l.map(a, trigger_data.l.map(b, trigger_data.l.map(c, trigger_data.l.filter(d, d > a + b + c).size()))).size() }}',
            },
          },
        ],
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_template',
        details: [{ field: 'steps[0].request_params.n' }],
      });
      expect(res.body.error.message).toMatch(/nests macros .* 4 deep; at most 2/);
    });

    it('fails a step whose expressions run past the evaluation budget, quickly, while the worker goes on', async () => {
      const quadratic = await createChain({
        name: 'quadratic',
        trigger_event: 'cel.slow',
        steps: [
          {
            webhook_id: await at('/cel/quadratic'),
            name: 'Slow',
            request_params: { n: '{{ trigger_data.l.map(a, trigger_data.l.filter(b, b > a).size()).size() }}' },
          },
        ],
      });
      const regex = await createChain({
        name: 'backtracking',
        trigger_event: 'cel.slow',
        steps: [{ webhook_id: await at('/cel/regex'), name: 'Regex', condition: 'trigger_data.s.matches("^(a+)+$")' }],
      });
      const quick = await createChain({
        name: 'quick',
        trigger_event: 'cel.quick',
        steps: [
          { webhook_id: await at('/cel/quick'), name: 'Quick', request_params: { n: '{{ size(trigger_data.l) }}' } },
        ],
      });
      const l = Array.from({ length: 20_000 }, (_, i) => i);
      const started = Date.now();
      const slowRuns = [await execute(quadratic.id, { l }), await execute(regex.id, { s: `${'a'.repeat(40)}!` })];
      const quickRun = await execute(quick.id, { l: [1, 2, 3] });
      for (const runId of slowRuns) {
        const run = await untilEnded(runId);
        expect(run.status).toBe('failed');
        expect(run.step_runs[0]).toMatchObject({ status: 'failed', attempt_count: 1 });
        expect(run.step_runs[0].last_error).toMatch(/took longer than 250 ms \(the evaluation budget\)/);
      }
      expect((await untilEnded(quickRun)).status).toBe('completed');
      expect(Date.now() - started).toBeLessThan(LEASE_SECONDS * 1000);
      expect(receiver.to('/cel/quadratic')).toHaveLength(0);
      expect(receiver.to('/cel/regex')).toHaveLength(0);
      expect(bodyOf(receiver.to('/cel/quick')[0])).toEqual({ n: 3 });
    });
  });

  describe('definitions', () => {
    it('answers 400, not 500, to null, out-of-range and non-integer fields in PATCH and PUT', async () => {
      const webhook = await at('/patch');
      const chain = await createChain({
        name: 'patched',
        trigger_event: 'patch.me',
        steps: [{ webhook_id: webhook, name: 'One' }],
      });
      const v = chain.version;
      const bodies = [
        { version: v, name: null },
        { version: v, is_active: null },
        { version: v, trigger_event: null },
        { version: v, steps: null },
        { version: v, compensation_steps: null },
        { version: 2147483648 },
        { version: 1e300 },
        { version: 1.5 },
        { version: null },
        { version: v, steps: [{ webhook_id: webhook, name: 'One', step_order: null }] },
        { version: v, steps: [{ webhook_id: webhook, name: 'One', delay_seconds: 1e300 }] },
        { version: v, steps: [{ webhook_id: webhook, name: 'One', max_retries: null }] },
      ];
      for (const method of ['PATCH', 'PUT']) {
        for (const body of bodies) {
          const res = await api().request(method, `/api/v1/chains/${chain.id}`, { token: analyst.token, body });
          expect({ method, body, status: res.status, code: res.body.error?.code }).toEqual({
            method,
            body,
            status: 400,
            code: 'validation_failed',
          });
        }
      }
      const current = await api().request('GET', `/api/v1/chains/${chain.id}`, { token: analyst.token });
      expect(current.body).toMatchObject({ version: v, name: 'patched', is_active: true, trigger_event: 'patch.me' });
    });

    it('refuses step headers subscriptions would refuse: control characters, non-ASCII, hop-by-hop, duplicates', async () => {
      const webhook = await at('/headers');
      const refused: [Record<string, unknown>, string][] = [
        [{ 'X-A': 'a\r\nInjected: 1' }, 'X-A'],
        [{ 'X-A': '日本' }, 'X-A'],
        [{ 'X-A': 'a\u0001b' }, 'X-A'],
        [{ 'X-A': 'x'.repeat(4001) }, 'X-A'],
        [{ 'X-A': '日本 {{ trigger_data.x }}' }, 'X-A'],
        [{ 'X-A': 1 }, 'X-A'],
        [{ 'X-A': 'a', 'x-a': 'b' }, 'x-a'],
        [{ 'X A': 'a' }, 'X A'],
        [{ Connection: 'close' }, 'Connection'],
        [{ 'Keep-Alive': 'timeout=5' }, 'Keep-Alive'],
        [{ TE: 'trailers' }, 'TE'],
        [{ 'Proxy-Authorization': 'x' }, 'Proxy-Authorization'],
        [{ 'Content-Encoding': 'gzip' }, 'Content-Encoding'],
        [{ 'X-Conduit-Chain-Run': 'x' }, 'X-Conduit-Chain-Run'],
      ];
      for (const [headers, name] of refused) {
        const res = await create({
          name: 'headers',
          trigger_event: 'headers.x',
          steps: [{ webhook_id: webhook, name: 'Send', headers }],
        });
        expect({ headers, status: res.status, code: res.body.error?.code }).toEqual({
          headers,
          status: 400,
          code: 'invalid_chain_step',
        });
        expect(res.body.error.message).toMatch(/^Step 1 \("Send"\): header .* is not allowed/);
        expect(res.body.error.details[0].field).toBe(`steps[0].headers.${name}`);
      }
      const ok = await create({
        name: 'headers',
        trigger_event: 'headers.x',
        steps: [
          {
            webhook_id: webhook,
            name: 'Send',
            headers: {
              Authorization: 'Bearer {{credentials.plain}}',
              'X-Tab': 'a\tb',
              'X-Order': '{{ trigger_data.x }}',
            },
          },
        ],
      });
      expect(ok.status, ok.text).toBe(201);
    });

    it('refuses unclosed templates and conditions that cannot be true or false, naming the step and field', async () => {
      const webhook = await at('/malformed');
      const refused: [Record<string, unknown>, string, string, RegExp][] = [
        [
          { request_params: { a: '{{ trigger_data.x' } },
          'invalid_template',
          'steps[0].request_params.a',
          /"\{\{ trigger_data\.x" is not closed/,
        ],
        [
          { request_params: { a: ['ok', 'x {{ trigger_data.y }} and {{ trigger_data.z'] } },
          'invalid_template',
          'steps[0].request_params.a[1]',
          /is not closed/,
        ],
        [{ headers: { 'X-A': '{{ trigger_data.x' } }, 'invalid_template', 'steps[0].headers.X-A', /is not closed/],
        [
          { request_params: { a: '{{ foo(1) }}' } },
          'invalid_template',
          'steps[0].request_params.a',
          /does not type-check/,
        ],
        [
          { condition: '"abc"' },
          'invalid_condition',
          'steps[0].condition',
          /must be true or false, but \{\{"abc"\}\} is a string/,
        ],
        [{ condition: '1' }, 'invalid_condition', 'steps[0].condition', /is an int/],
        [{ condition: 'foo(1)' }, 'invalid_condition', 'steps[0].condition', /does not type-check/],
        [{ condition: '{{ trigger_data.n + 1 }}' }, 'invalid_condition', 'steps[0].condition', /is an int/],
        [{ condition: 'abc' }, 'invalid_template', 'steps[0].condition', /uses abc/],
      ];
      for (const [step, code, field, message] of refused) {
        const res = await create({
          name: 'malformed',
          trigger_event: 'malformed.x',
          steps: [{ webhook_id: webhook, name: 'Bad', ...step }],
        });
        expect({ step, status: res.status, code: res.body.error?.code }).toEqual({ step, status: 400, code });
        expect(res.body.error.message).toMatch(/^Step 1 \("Bad"\): /);
        expect(res.body.error.message).toMatch(message);
        expect(res.body.error.details[0].field).toBe(field);
      }
      for (const condition of [
        'trigger_data.flag',
        'has(trigger_data.x) && trigger_data.x > 1',
        '{{ trigger_data.?x.orValue(false) }}',
      ]) {
        const ok = await create({
          name: 'fine',
          trigger_event: 'malformed.ok',
          steps: [{ webhook_id: webhook, name: 'Good', condition }],
        });
        expect(ok.status, `${condition}: ${ok.text}`).toBe(201);
      }
    });

    it('accepts an upper-case webhook_id (UUIDs are case-insensitive) and stores it lower-case', async () => {
      const webhook = await at('/upper');
      const chain = await create({
        name: 'upper',
        trigger_event: 'upper.x',
        steps: [{ webhook_id: webhook.toUpperCase(), name: 'Up' }],
      });
      expect(chain.status, chain.text).toBe(201);
      expect(chain.body.steps[0].webhook_id).toBe(webhook);
      const patched = await api().request('PATCH', `/api/v1/chains/${chain.body.id}`, {
        token: analyst.token,
        body: {
          version: chain.body.version,
          compensation_steps: [{ webhook_id: webhook.toUpperCase(), name: 'Undo', compensates: 'Up' }],
        },
      });
      expect(patched.status, patched.text).toBe(200);
      expect((await untilEnded(await execute(chain.body.id))).status).toBe('completed');
    });
  });

  describe('runs API', () => {
    it('refuses to retry a run whose compensation ran: 409, and the compensation is not sent again', async () => {
      receiver.respond(500, '/saga/charge');
      const chain = await createChain({
        name: 'compensated',
        trigger_event: 'saga.x',
        steps: [
          { webhook_id: await at('/saga/reserve'), name: 'Reserve' },
          { webhook_id: await at('/saga/charge'), name: 'Charge', on_failure_action: 'stop' },
        ],
        compensation_steps: [{ webhook_id: await at('/saga/refund'), name: 'Refund', compensates: 'Reserve' }],
      });
      const runId = await execute(chain.id);
      const run = await untilEnded(runId);
      expect(run).toMatchObject({ status: 'failed', failed_step: 2, compensation_status: 'completed' });
      const retried = await api().request('POST', `/api/v1/chains/runs/${runId}/retry`, { token: analyst.token });
      expect(retried.status).toBe(409);
      expect(retried.body.error).toMatchObject({
        code: 'chain_run_state_conflict',
        details: [{ field: 'compensation_status', message: 'completed' }],
      });
      expect(retried.body.error.message).toMatch(/was compensated .* cannot be retried; start a new run instead/);
      await pause(1000);
      expect(receiver.to('/saga/refund')).toHaveLength(1);
      expect(receiver.to('/saga/charge')).toHaveLength(1);
      expect(await getRun(runId)).toMatchObject({ status: 'failed', compensation_status: 'completed', failed_step: 2 });
    });

    it('answers 403 to a key that may start runs but not read chains, and 404 only for a missing chain', async () => {
      const chain = await createChain({
        name: 'scoped',
        trigger_event: 'scoped.x',
        steps: [{ webhook_id: await at('/scoped'), name: 'One' }],
      });
      const keyOf = async (scopes: string[]) =>
        (
          await api().request('POST', '/api/v1/api-keys', {
            token: admin.token,
            body: { name: scopes.join(' '), scopes },
          })
        ).body.key as string;
      const runsOnly = await keyOf(['chain_runs:write']);
      const execute403 = await api().request('POST', `/api/v1/chains/${chain.id}/execute`, {
        apiKey: runsOnly,
        body: { trigger_data: {} },
      });
      expect(execute403.status, execute403.text).toBe(403);
      expect(execute403.body.error.code).toBe('forbidden');
      expect((await api().request('GET', `/api/v1/chains/${chain.id}/runs`, { apiKey: runsOnly })).status).toBe(403);
      expect(
        (await api().request('GET', `/api/v1/chains/runs?chain_id=${chain.id}`, { apiKey: runsOnly })).status,
      ).toBe(200);
      const both = await keyOf(['chain_runs:write', 'chains:read']);
      expect((await api().request('POST', `/api/v1/chains/${chain.id}/execute`, { apiKey: both })).status).toBe(202);
      expect((await api().request('GET', `/api/v1/chains/${chain.id}/runs`, { apiKey: both })).status).toBe(200);
      const missing = await api().request('POST', '/api/v1/chains/0196b8a0-7c1e-7d3a-9f00-3c2e51a1b0ff/execute', {
        apiKey: both,
        body: {},
      });
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('chain_not_found');
      const chainsOnly = await keyOf(['chains:read']);
      expect(
        (await api().request('POST', `/api/v1/chains/${chain.id}/execute`, { apiKey: chainsOnly, body: {} })).status,
      ).toBe(403);
    });

    it('documents 204 deletes, an optional execute body, integer step fields and the runs filters each route honours', async () => {
      const res = await api().request('GET', '/docs-json');
      expect(res.status).toBe(200);
      const doc = res.body;
      for (const path of ['/api/v1/chains/{id}', '/api/execution-chains/{id}', '/api/v1/credentials/{id}']) {
        expect(doc.paths[path].delete.responses['204'], path).toBeDefined();
      }
      for (const path of ['/api/v1/chains/{id}/execute', '/api/execution-chains/{id}/execute']) {
        expect(doc.paths[path].post.requestBody.required, path).not.toBe(true);
      }
      const names = (op: { parameters: { name: string; in: string }[] }) =>
        op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      expect(names(doc.paths['/api/v1/chains/{id}/runs'].get)).not.toContain('chain_id');
      expect(names(doc.paths['/api/v1/chains/{id}/runs'].get)).toEqual(
        expect.arrayContaining(['status', 'since', 'until', 'limit', 'cursor']),
      );
      expect(names(doc.paths['/api/v1/chains/runs'].get)).toContain('chain_id');
      const step = doc.components.schemas.ChainStepDto.properties;
      expect(step.step_order).toMatchObject({ type: 'integer', minimum: 1, maximum: 50 });
      expect(step.delay_seconds).toMatchObject({ type: 'integer', minimum: 0, maximum: 604800 });
      expect(step.retry_backoff_seconds).toMatchObject({ type: 'integer', minimum: 0, maximum: 3600 });
      expect(step.max_retries).toMatchObject({ type: 'integer', minimum: 0, maximum: 10 });
      expect(doc.components.schemas.UpdateChainDto.properties.version).toMatchObject({
        type: 'integer',
        minimum: 1,
        maximum: 2147483647,
      });
      // And a run starts without a body.
      const chain = await createChain({
        name: 'no body',
        trigger_event: 'nobody.x',
        steps: [{ webhook_id: await at('/nobody'), name: 'One' }],
      });
      const started = await api().request('POST', `/api/v1/chains/${chain.id}/execute`, { token: analyst.token });
      expect(started.status, started.text).toBe(202);
      expect(started.body.trigger_data).toEqual({});
    });
  });
});
