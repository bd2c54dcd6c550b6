// Any JSON at all, whole or in any member of an otherwise valid document, gets a TransferException or a document:
// never another error (a 500 from the import route).
import fc from 'fast-check';
import { TransferException } from '../transfer.exception';
import { documentChecksum } from './checksum';
import { readTransferDocument } from './read-document';

const valid = (): Record<string, unknown> => ({
  format: 'conduit.export',
  version: 1,
  exported_at: '2026-12-06T22:00:00Z',
  source: { installation: 'i', tenant_code: 't' },
  apps: [
    {
      integration: { title: 'A' },
      logo: { content_type: 'image/png', base64: 'AAAA' },
      tasks: [{ task_tag: 'a', name: 'A' }],
      instances: [{ title: 'I' }],
    },
  ],
  checksum: { algorithm: 'sha256', value: '0'.repeat(64) },
});

const readable = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'conduit.export', 'sha256', 1, 0, 2, -1, 1.5, '1'),
);
const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'title', 'task_tag'));

/** A member of the valid document, by a path into it, replaced with `value`. */
const mutation = fc.record({
  path: fc.array(fc.oneof(key, fc.nat(2)), { minLength: 1, maxLength: 5 }),
  value: readable,
  seal: fc.boolean(),
});

function expectOnlyTransferException(body: unknown): void {
  try {
    readTransferDocument(body);
  } catch (err) {
    if (!(err instanceof TransferException)) throw err;
    expect(err.status).toBe(400);
    expect(err.details.length).toBeGreaterThan(0);
  }
}

describe('readTransferDocument on arbitrary input', () => {
  it('throws only TransferException for any JSON value, parsed or as text', () => {
    fc.assert(
      fc.property(readable, (value) => {
        expectOnlyTransferException(value);
        expectOnlyTransferException(JSON.stringify(value) ?? 'null');
        // What JSON.parse makes of it: own __proto__ keys included.
        expectOnlyTransferException(JSON.parse(JSON.stringify(value) ?? 'null'));
      }),
      { numRuns: 500 },
    );
  });

  it('throws only TransferException when any member of a valid document is changed', () => {
    fc.assert(
      fc.property(mutation, ({ path, value, seal }) => {
        const doc = valid();
        let at: Record<string, unknown> | unknown[] = doc;
        for (const step of path.slice(0, -1)) {
          // Own members only: following "__proto__" would change Object.prototype for the rest of the run.
          if (!Object.hasOwn(at, step)) break;
          const next: unknown = (at as Record<string | number, unknown>)[step];
          if (typeof next !== 'object' || next === null) break;
          at = next as Record<string, unknown>;
        }
        Object.defineProperty(at, path[path.length - 1], {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        if (seal) doc.checksum = { algorithm: 'sha256', value: documentChecksum(doc) };
        expectOnlyTransferException(doc);
        expectOnlyTransferException(JSON.stringify(doc));
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts the valid document it mutates', () => {
    const doc = valid();
    doc.checksum = { algorithm: 'sha256', value: documentChecksum(doc) };
    expect(readTransferDocument(doc)).toEqual(doc);
  });
});
