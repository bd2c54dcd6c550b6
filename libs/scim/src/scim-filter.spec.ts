import { describe, expect, it } from 'vitest';
import { FilterAttributes, filterToSql } from './scim-filter';

const ATTRS: FilterAttributes = {
  username: { kind: 'string', sql: 'u.email' },
  externalid: { kind: 'string', sql: 's.external_id', caseExact: true },
  'emails.value': { kind: 'multi', values: 'SELECT u.email' },
  active: { kind: 'boolean', sql: 's.active' },
  'meta.lastmodified': { kind: 'datetime', sql: 'm.updated_at' },
};

function sql(filter: string) {
  const params: unknown[] = ['tenant'];
  return { where: filterToSql(filter, ATTRS, params), params };
}

describe('filterToSql', () => {
  it('compares userName case-insensitively, externalId exactly, values bound', () => {
    expect(sql('userName eq "Alice@X.test"')).toEqual({
      where: '(lower(u.email) = $2)',
      params: ['tenant', 'alice@x.test'],
    });
    expect(sql('externalId eq "AbC"')).toEqual({ where: '(s.external_id = $2)', params: ['tenant', 'AbC'] });
  });

  it('joins with and / or / not, and reads the core schema prefix and value paths', () => {
    const { where, params } = sql(
      'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a" and (emails[value eq "b"] or not (active eq false))',
    );
    expect(where).toBe(
      '((lower(u.email) = $2) AND (EXISTS (SELECT 1 FROM (SELECT u.email) AS mv(v) WHERE (lower(mv.v) = $3)) OR (NOT (s.active = $4::boolean))))',
    );
    expect(params).toEqual(['tenant', 'a', 'b', false]);
    expect(sql('emails.value eq "B"').params).toEqual(['tenant', 'b']);
  });

  it('escapes LIKE patterns', () => {
    expect(sql('userName sw "a_b%"')).toEqual({
      where: "(lower(u.email) LIKE $2 ESCAPE '\\')",
      params: ['tenant', 'a\\_b\\%%'],
    });
  });

  it.each([
    ['userName eq', /does not parse/],
    ['password eq "x"', /not supported/],
    ['constructor eq "x"', /not supported/],
    ['active eq "yes"', /eq or ne and true or false/],
    ['userName eq 1', /compares with a string/],
    ['meta.lastModified gt "not a date"', /ISO 8601/],
  ])('refuses %s with invalidFilter', (filter, detail) => {
    expect(() => sql(filter)).toThrow(detail);
    try {
      sql(filter);
    } catch (err) {
      expect(err).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    }
  });
});
