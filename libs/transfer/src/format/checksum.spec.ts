import { documentChecksum } from './checksum';

describe('documentChecksum', () => {
  it('ignores key order, whitespace and the checksum member', () => {
    const a = documentChecksum({ b: 1, a: [1, { y: 'x', x: 2 }], checksum: { value: 'old' } });
    const b = documentChecksum(JSON.parse('{ "a": [1, {"x": 2, "y": "x"}], "b": 1.0 }'));
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with the content', () => {
    expect(documentChecksum({ a: 1 })).not.toBe(documentChecksum({ a: 2 }));
  });
});
