import { describe, expect, it } from 'vitest';
import { PATCH_OP_SCHEMA, applyPatch, canonicalPath, normalizePatch, scimBoolean } from './scim-patch-ops';

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

describe('normalizePatch', () => {
  it("reads Entra's capitalised ops and attribute names in any case, and drops the core schema URN", () => {
    expect(
      normalizePatch(
        patch(
          { op: 'Replace', path: 'Active', value: 'False' },
          { op: 'Add', path: 'urn:ietf:params:scim:schemas:core:2.0:User:Name.GivenName', value: 'x' },
          { op: 'Remove', path: 'members[value eq "Abc"]' },
        ),
      ),
    ).toEqual([
      { op: 'replace', path: 'active', value: 'False' },
      { op: 'add', path: 'name.givenName', value: 'x' },
      { op: 'remove', path: 'members[value eq "Abc"]' },
    ]);
  });

  it('splits a path-less value into one operation per attribute, sub-attribute keys included', () => {
    expect(
      normalizePatch(patch({ op: 'replace', value: { active: false, 'name.familyName': 'B', schemas: [] } })),
    ).toEqual([
      { op: 'replace', path: 'active', value: false },
      { op: 'replace', path: 'name.familyName', value: 'B' },
    ]);
  });

  it('accepts and drops enterprise extension attributes', () => {
    const department = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department';
    expect(
      normalizePatch(patch({ op: 'Add', path: department, value: 'x' }, { op: 'add', path: 'title', value: 't' })),
    ).toEqual([{ op: 'add', path: 'title', value: 't' }]);
  });

  it.each([
    [null, 'invalidSyntax'],
    [{ schemas: ['other'], Operations: [{ op: 'add', path: 'a', value: 1 }] }, 'invalidSyntax'],
    [patch(), 'invalidSyntax'],
    [patch({ op: 'move', path: 'a' }), 'invalidSyntax'],
    [patch({ op: 'remove' }), 'noTarget'],
    [patch({ op: 'add', path: 'a' }), 'invalidValue'],
    [patch({ op: 'replace', value: 'x' }), 'invalidValue'],
    [patch({ op: 'replace', path: '', value: 'x' }), 'invalidPath'],
  ])('refuses %j with %s', (body, scimType) => {
    expect(() => normalizePatch(body)).toThrow(expect.objectContaining({ status: 400, scimType }));
  });
});

describe('applyPatch (scim-patch)', () => {
  const group = { schemas: [], id: 'g', displayName: 'g', members: [{ value: 'u1' }], meta: {} };

  it('adds and removes members the way Entra sends them', () => {
    const added = applyPatch(group, normalizePatch(patch({ op: 'Add', path: 'members', value: [{ value: 'u2' }] })));
    expect(added).toMatchObject({ members: [{ value: 'u1' }, { value: 'u2' }] });
    const removed = applyPatch(group, normalizePatch(patch({ op: 'Remove', path: 'members[value eq "u1"]' })));
    expect((removed as { members?: unknown[] }).members ?? []).toEqual([]);
    expect(group.members).toEqual([{ value: 'u1' }]);
  });

  it('replaces a value selected by a filter', () => {
    const user = { schemas: [], emails: [{ value: 'a@x.test', type: 'work' }], meta: {} };
    const patched = applyPatch(
      user,
      normalizePatch(patch({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'b@x.test' })),
    );
    expect(patched).toMatchObject({ emails: [{ value: 'b@x.test', type: 'work' }] });
  });

  it("answers the library's refusals as SCIM 400s", () => {
    expect(() => applyPatch(group, [{ op: 'replace', path: 'members[value eq', value: [] }])).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidSyntax' }),
    );
  });
});

describe('scimBoolean and canonicalPath', () => {
  it('reads booleans and their string forms, nothing else', () => {
    expect([true, 'True', 'FALSE', false].map((v) => scimBoolean(v, 'active'))).toEqual([true, true, false, false]);
    expect(() => scimBoolean('yes', 'active')).toThrow(expect.objectContaining({ scimType: 'invalidValue' }));
    expect(() => scimBoolean(1, 'active')).toThrow(expect.objectContaining({ scimType: 'invalidValue' }));
  });

  it('keeps quoted values as sent', () => {
    expect(canonicalPath('Emails[Type eq "Work"].Value')).toBe('emails[type eq "Work"].value');
  });
});
