import { ConduitException } from '@conduit/platform';
import { TransferException } from '../transfer.exception';
import { documentChecksum } from './checksum';
import { MAX_DOCUMENT_BYTES, MAX_REPORTED_PROBLEMS } from './document-limits';
import { assertBodyLimits, readTransferDocument, readTransferDocumentWith } from './read-document';
import { TRANSFER_VERSION } from './transfer-document';
import { UpgradeStep } from './upgrade';

type Doc = Record<string, any>;

function sample(): Doc {
  return {
    format: 'conduit.export',
    version: 1,
    exported_at: '2026-12-06T22:00:00.000Z',
    source: { installation: 'conduit-test', tenant_code: 'acme' },
    apps: [
      {
        integration: { title: 'Splunk', description: 'SIEM', fields: [{ name: 'region', type: 'text' }] },
        logo: { content_type: 'image/png', base64: 'iVBORw0KGgo=' },
        tasks: [
          { task_tag: 'login', name: 'Log in', request: { method: 'POST', path: '/login' } },
          { task_tag: 'get_alerts', name: 'Get alerts', depends_on: ['login'], request: { method: 'GET', path: '/a' } },
        ],
        instances: [{ title: 'Production', base_url: 'https://splunk.example.com', field_values: { region: 'eu' } }],
      },
      { integration: { title: 'Jira' }, logo: null, tasks: [], instances: [] },
    ],
    chains: [{ name: 'Escalate', trigger_event: 'alert.created', steps: [] }],
    monitors: [{ name: 'Splunk up', interval_seconds: 60 }],
    checksum: { algorithm: 'sha256', value: '0'.repeat(64) },
  };
}

/** The document with its checksum set, as an export writes it. */
function sealed(doc: Doc = sample()): Doc {
  doc.checksum = { algorithm: 'sha256', value: documentChecksum(doc) };
  return doc;
}

/** The TransferException readTransferDocument throws (fails the test when it returns or throws anything else). */
function refusal(body: unknown, steps?: UpgradeStep[]): TransferException {
  try {
    if (steps) readTransferDocumentWith(body, steps);
    else readTransferDocument(body);
  } catch (err) {
    expect(err).toBeInstanceOf(TransferException);
    const e = err as TransferException;
    expect(e.status).toBe(400);
    expect(e.details.length).toBeGreaterThan(0);
    return e;
  }
  throw new Error('the document was accepted');
}

const fields = (e: ConduitException) => e.details.map((d) => d.field);
const codes = (e: ConduitException) => e.details.map((d) => d.code);

/** An object `levels` deep (the returned object is level 1), built without recursion. */
function nested(levels: number): Doc {
  const root: Doc = {};
  let at = root;
  for (let i = 1; i < levels; i += 1) at = at.n = {};
  return root;
}

describe('readTransferDocument', () => {
  it('accepts a valid document and answers it unchanged, parsed or as text or bytes', () => {
    const doc = sealed();
    const copy = structuredClone(doc);
    expect(readTransferDocument(doc)).toEqual(copy);
    expect(readTransferDocument(JSON.stringify(doc, null, 2))).toEqual(copy);
    expect(readTransferDocument(Buffer.from(JSON.stringify(doc)))).toEqual(copy);
    expect(doc).toEqual(copy);
  });

  it.each([
    ['null', null],
    ['a number', 5],
    ['an array', [sealed()]],
    ['undefined', undefined],
    ['JSON text of a string', '"conduit.export"'],
  ])('refuses %s as invalid_document', (_what, body) => {
    const e = refusal(body);
    expect(e.code).toBe('invalid_document');
    expect(e.details[0]).toMatchObject({ field: '', code: 'invalid_type' });
  });

  it('refuses text that is not JSON, and bytes that are not UTF-8', () => {
    const e = refusal('{"format": "conduit.export",');
    expect(e.code).toBe('invalid_document');
    expect(codes(e)).toEqual(['invalid_json']);
    expect(e.details[0].message).not.toContain('conduit');
    expect(refusal(Buffer.from([0x7b, 0xff, 0x7d])).code).toBe('invalid_document');
  });

  it('refuses values JSON cannot hold in a parsed body', () => {
    const doc = sealed();
    doc.apps[0].tasks[0].when = new Date();
    doc.apps[0].tasks[0].retries = Number.POSITIVE_INFINITY;
    doc.apps[0].tasks[0].big = 10n;
    doc.apps[0].tasks[0].nothing = undefined;
    const e = refusal(doc);
    expect(e.code).toBe('invalid_document');
    expect(fields(e).sort()).toEqual(
      ['/apps/0/tasks/0/big', '/apps/0/tasks/0/nothing', '/apps/0/tasks/0/retries', '/apps/0/tasks/0/when'].sort(),
    );
  });

  it('refuses NUL characters and whole numbers beyond 2^53 - 1, as the API does', () => {
    const e = refusal('{"format":"conduit.export","x":"a\\u0000b","n":12345678901234567890}');
    expect(e.code).toBe('invalid_document');
    expect(e.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: '/x', code: 'nul_character' }),
        expect.objectContaining({ field: '/n', code: 'unsafe_integer' }),
      ]),
    );
  });

  it('refuses another format', () => {
    const e = refusal(sealed({ ...sample(), format: 'other.export' }));
    expect(e.code).toBe('invalid_document');
    expect(e.details).toEqual([expect.objectContaining({ field: '/format', code: 'invalid_value' })]);
  });

  it('refuses schema violations, each with its field', () => {
    const doc = sample();
    delete doc.exported_at;
    doc.extra = true;
    doc.source.installation = 5;
    doc.apps[0].integration.title = '';
    doc.apps[0].logo.content_type = 'text/html';
    doc.apps[0].logo.base64 = 'not base64!';
    doc.apps[0].tasks[1].task_tag = 'Get-Alerts';
    delete doc.apps[0].instances[0].title;
    doc.apps[1].tasks = {};
    doc.chains[0] = { title: 'no name' };
    doc.checksum.value = 'ABC';
    const e = refusal(doc);
    expect(e.code).toBe('invalid_document');
    expect(e.details).toEqual(
      expect.arrayContaining(
        [
          ['/exported_at', 'required'],
          ['/extra', 'unknown_field'],
          ['/source/installation', 'invalid_type'],
          ['/apps/0/integration/title', 'invalid_length'],
          ['/apps/0/logo/content_type', 'not_an_option'],
          ['/apps/0/logo/base64', 'pattern_mismatch'],
          ['/apps/0/tasks/1/task_tag', 'pattern_mismatch'],
          ['/apps/0/instances/0/title', 'required'],
          ['/apps/1/tasks', 'invalid_type'],
          ['/chains/0/name', 'required'],
          ['/checksum/value', 'pattern_mismatch'],
        ].map(([field, code]) => expect.objectContaining({ field, code })),
      ),
    );
  });

  it('refuses an exported_at that is not a date-time and a title over 200 characters', () => {
    const doc = sample();
    doc.exported_at = 'yesterday';
    doc.apps[1].integration.title = 'x'.repeat(201);
    const e = refusal(sealed(doc));
    expect(e.details).toEqual([
      expect.objectContaining({ field: '/exported_at', code: 'invalid_format' }),
      expect.objectContaining({ field: '/apps/1/integration/title', code: 'invalid_length' }),
    ]);
  });

  it('refuses names the import matches by when two items share one', () => {
    const doc = sample();
    doc.apps[1].integration.title = ' splunk';
    doc.apps[0].tasks[1].task_tag = 'login';
    doc.apps[0].instances.push({ title: 'PRODUCTION' });
    const e = refusal(sealed(doc));
    expect(e.code).toBe('invalid_document');
    expect(fields(e)).toEqual(['/apps/1/integration/title', '/apps/0/tasks/1/task_tag', '/apps/0/instances/1/title']);
    expect(new Set(codes(e))).toEqual(new Set(['duplicate']));
  });

  it('refuses a document changed by one character after export', () => {
    const text = JSON.stringify(sealed());
    const changed = text.replace('"Get alerts"', '"Get alertz"');
    expect(changed).not.toBe(text);
    const e = refusal(changed);
    expect(e.code).toBe('checksum_mismatch');
    expect(e.details).toEqual([expect.objectContaining({ field: '/checksum/value', code: 'checksum_mismatch' })]);
  });

  it('keeps the checksum across reformatting and key order', () => {
    const doc = sealed();
    const reordered = Object.fromEntries(Object.entries(doc).reverse());
    expect(readTransferDocument(JSON.stringify(reordered, null, '\t'))).toEqual(doc);
  });

  it('refuses a newer version, saying which it reads', () => {
    const e = refusal(sealed({ ...sample(), version: TRANSFER_VERSION + 1 }));
    expect(e.code).toBe('import_version_unsupported');
    expect(e.details).toEqual([
      expect.objectContaining({ field: '/version', code: 'version_too_new', supported_version: TRANSFER_VERSION }),
    ]);
  });

  it.each([['1'], [1.5], [null]])('refuses version %j as invalid_document', (version) => {
    const doc = sample();
    doc.version = version;
    const e = refusal(sealed(doc));
    expect(e.code).toBe('invalid_document');
    expect(e.details).toEqual([expect.objectContaining({ field: '/version', code: 'invalid_type' })]);
  });

  describe('older versions', () => {
    // The example of docs/transfer.md: a hypothetical version 0 called the integration's title `name`.
    const renameTitle: UpgradeStep = {
      from: 0,
      to: 1,
      description: 'apps[].integration.name is now title',
      upgrade(doc) {
        for (const app of doc.apps as { integration: Record<string, unknown> }[]) {
          const { name, ...rest } = app.integration;
          app.integration = { title: name, ...rest };
        }
        return doc;
      },
    };

    function versionZero(): Doc {
      const doc = sample();
      doc.version = 0;
      for (const app of doc.apps) {
        app.integration.name = app.integration.title;
        delete app.integration.title;
      }
      return sealed(doc);
    }

    it('are upgraded by the steps, checked against the checksum they were exported with', () => {
      const old = versionZero();
      const received = structuredClone(old);
      const doc = readTransferDocumentWith(old, [renameTitle]);
      expect(doc.version).toBe(1);
      expect(doc.apps.map((a) => a.integration.title)).toEqual(['Splunk', 'Jira']);
      expect(doc.apps[0].integration).not.toHaveProperty('name');
      expect(doc.checksum).toEqual(old.checksum);
      expect(old).toEqual(received);
    });

    it('are refused when the checksum is of the upgraded content', () => {
      const old = versionZero();
      const upgraded = readTransferDocumentWith(structuredClone(old), [renameTitle]) as unknown as Doc;
      old.checksum.value = documentChecksum({ ...upgraded });
      expect(refusal(old, [renameTitle]).code).toBe('checksum_mismatch');
    });

    it('are refused when there is no step from them', () => {
      const e = refusal(versionZero());
      expect(e.code).toBe('import_version_unsupported');
      expect(e.details).toEqual([
        expect.objectContaining({ field: '/version', code: 'version_too_old', oldest_version: TRANSFER_VERSION }),
      ]);
    });

    it('are refused when a step cannot read them, or they do not match the schema once upgraded', () => {
      const old = versionZero();
      old.apps = 'none';
      expect(codes(refusal(sealed(old), [renameTitle]))).toEqual(['upgrade_failed']);
      const untitled = versionZero();
      delete untitled.apps[0].integration.name;
      const e = refusal(sealed(untitled), [renameTitle]);
      expect(e.code).toBe('invalid_document');
      expect(e.details).toEqual([expect.objectContaining({ field: '/apps/0/integration/title' })]);
    });
  });

  describe('limits', () => {
    /** A valid document whose compact JSON is exactly `bytes` long, padded by strings in an instance stub. */
    function ofSize(bytes: number): Doc {
      const doc = sealed();
      const padding: string[] = [];
      doc.apps[0].instances[0].padding = padding;
      const chunk = 1000 * 1000;
      // "padding":[] is counted; each string adds its length, 2 quotes and a comma (the first no comma).
      let size = Buffer.byteLength(JSON.stringify(doc));
      const overhead = () => (padding.length === 0 ? 2 : 3);
      while (size + chunk + overhead() < bytes) {
        size += chunk + overhead();
        padding.push('x'.repeat(chunk));
      }
      padding.push('x'.repeat(bytes - size - overhead()));
      expect(Buffer.byteLength(JSON.stringify(doc))).toBe(bytes);
      return sealed(doc);
    }

    it('accepts 10 MB exactly and refuses 10 MB + 1, parsed or as text', () => {
      expect(() => readTransferDocument(ofSize(MAX_DOCUMENT_BYTES))).not.toThrow();
      const over = ofSize(MAX_DOCUMENT_BYTES + 1);
      const e = refusal(over);
      expect(e.code).toBe('document_too_large');
      expect(codes(e)).toEqual(['too_many_bytes']);
      expect(refusal(JSON.stringify(over)).code).toBe('document_too_large');
      expect(() => assertBodyLimits(Buffer.alloc(MAX_DOCUMENT_BYTES + 1, 0x20))).toThrow(TransferException);
      expect(() => assertBodyLimits(' '.repeat(MAX_DOCUMENT_BYTES))).not.toThrow();
    });

    it('counts escapes and multi-byte characters as their JSON bytes', () => {
      const doc = ofSize(MAX_DOCUMENT_BYTES);
      // Same number of characters, more bytes: a newline is written \n, é is two bytes.
      doc.apps[0].instances[0].padding[0] = `\n${'x'.repeat(doc.apps[0].instances[0].padding[0].length - 1)}`;
      expect(refusal(sealed(doc)).code).toBe('document_too_large');
      doc.apps[0].instances[0].padding[0] = `é${'x'.repeat(doc.apps[0].instances[0].padding[0].length - 1)}`;
      expect(refusal(sealed(doc)).code).toBe('document_too_large');
    });

    it('refuses nesting of 65 levels and accepts 64', () => {
      // The document is level 1, apps 2, an app 3, instances 4, an instance stub 5.
      const doc = sealed();
      doc.apps[0].instances[0].settings = nested(59);
      expect(() => readTransferDocument(sealed(doc))).not.toThrow();
      doc.apps[0].instances[0].settings = nested(60);
      const e = refusal(sealed(doc));
      expect(e.code).toBe('document_too_large');
      expect(e.details).toEqual([expect.objectContaining({ code: 'too_deep' })]);
      expect(e.details[0].field).toMatch(/^\/apps\/0\/instances\/0\/settings(\/n){59}$/);
      expect(refusal(JSON.stringify(doc)).code).toBe('document_too_large');
    });

    it('refuses nesting bombs quickly, without overflowing the stack', () => {
      const started = Date.now();
      const doc = sealed();
      doc.apps[0].tasks[0].request.body = nested(100);
      expect(codes(refusal(doc))).toEqual(['too_deep']);
      doc.apps[0].tasks[0].request.body = nested(1_000_000);
      expect(codes(refusal(doc))).toEqual(['too_deep']);
      expect(refusal('['.repeat(5_000_000) + ']'.repeat(5_000_000)).code).toBe('document_too_large');
      expect(refusal(`{"a":${'[{"b":'.repeat(1_000_000)}`).code).toBe('document_too_large');
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('refuses a 2 MB string, a 2 MB key, and accepts a 1 MB one', () => {
      const doc = sealed();
      doc.apps[0].instances[0].notes = 'x'.repeat(1024 * 1024);
      expect(() => readTransferDocument(sealed(doc))).not.toThrow();
      doc.apps[0].instances[0].notes = 'x'.repeat(2 * 1024 * 1024);
      const e = refusal(sealed(doc));
      expect(e.code).toBe('document_too_large');
      expect(e.details).toEqual([
        expect.objectContaining({ field: '/apps/0/instances/0/notes', code: 'string_too_long' }),
      ]);
      delete doc.apps[0].instances[0].notes;
      doc.apps[0].instances[0]['k'.repeat(2 * 1024 * 1024)] = 1;
      expect(codes(refusal(sealed(doc)))).toEqual(['string_too_long']);
    });

    it('refuses over 200,000 values', () => {
      const doc = sealed();
      doc.apps[0].instances[0].list = Array.from({ length: 200_000 }, () => 0);
      const e = refusal(sealed(doc));
      expect(e.code).toBe('document_too_large');
      expect(codes(e)).toEqual(['too_many_values']);
    });

    it.each([
      ['apps', 201, (doc: Doc, n: number) => (doc.apps = Array.from({ length: n }, (_, i) => app(`App ${i}`)))],
      ['apps/0/tasks', 501, (doc: Doc, n: number) => (doc.apps[0].tasks = tasks(n))],
      ['apps/1/instances', 501, (doc: Doc, n: number) => (doc.apps[1].instances = titled(n))],
      ['subscriptions', 1001, (doc: Doc, n: number) => (doc.subscriptions = named(n))],
    ])('refuses /%s of %d items and accepts one fewer', (path, n, fill) => {
      const doc = sample();
      fill(doc, n - 1);
      expect(() => readTransferDocument(sealed(doc))).not.toThrow();
      fill(doc, n);
      const e = refusal(sealed(doc));
      expect(e.code).toBe('document_too_large');
      expect(e.details).toEqual([expect.objectContaining({ field: `/${path}`, code: 'too_many_items' })]);
    });

    it('lists at most 100 problems', () => {
      const doc = sample();
      doc.apps[0].instances = Array.from({ length: 300 }, () => ({}));
      const e = refusal(sealed(doc));
      expect(e.details).toHaveLength(MAX_REPORTED_PROBLEMS + 1);
      expect(e.details[MAX_REPORTED_PROBLEMS]).toMatchObject({
        code: 'more_problems',
        message: '200 more problems not listed',
      });
    });

    it('accepts a 9 MB document quickly', () => {
      const doc = ofSize(9 * 1024 * 1024);
      const text = JSON.stringify(doc);
      const started = Date.now();
      expect(readTransferDocument(text)).toEqual(doc);
      expect(readTransferDocument(doc)).toBe(doc);
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });

  describe('keys', () => {
    it('refuses __proto__ as JSON.parse makes it (an own key), wherever it is', () => {
      const text = JSON.stringify(sealed()).replace('"base_url"', '"__proto__":{"polluted":true},"base_url"');
      const e = refusal(text);
      expect(e.code).toBe('forbidden_key');
      expect(e.details).toEqual([
        expect.objectContaining({ field: '/apps/0/instances/0/__proto__', code: 'forbidden_key' }),
      ]);
      expect(({} as Doc).polluted).toBeUndefined();
    });

    it('refuses constructor nested in a task, and prototype', () => {
      const doc = sealed();
      doc.apps[0].tasks[1].request.body = { constructor: { prototype: {} } };
      const e = refusal(sealed(doc));
      expect(e.code).toBe('forbidden_key');
      expect(fields(e).sort()).toEqual([
        '/apps/0/tasks/1/request/body/constructor',
        '/apps/0/tasks/1/request/body/constructor/prototype',
      ]);
    });

    it('refuses the size limits before the keys, and the keys before the schema', () => {
      const doc = sample();
      doc.apps[0].tasks[0].toString = 'x';
      doc.apps[0].notes = 'x'.repeat(2 * 1024 * 1024);
      expect(refusal(doc).code).toBe('document_too_large');
      delete doc.apps[0].notes;
      expect(refusal(doc).code).toBe('forbidden_key');
    });
  });
});

function app(title: string): Doc {
  return { integration: { title }, logo: null, tasks: [], instances: [] };
}
function tasks(n: number): Doc[] {
  return Array.from({ length: n }, (_, i) => ({ task_tag: `task_${i}`, name: `Task ${i}` }));
}
function titled(n: number): Doc[] {
  return Array.from({ length: n }, (_, i) => ({ title: `Instance ${i}` }));
}
function named(n: number): Doc[] {
  return Array.from({ length: n }, (_, i) => ({ name: `Item ${i}` }));
}
