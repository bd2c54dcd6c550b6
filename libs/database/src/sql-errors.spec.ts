import { isUniqueViolation, sqlState } from './sql-errors';

describe('isUniqueViolation', () => {
  const pgError = (code: string, constraint?: string) =>
    Object.assign(new Error('duplicate key'), { code, constraint, severity: 'ERROR' });

  it('recognises the named constraint, from pg or wrapped by TypeORM', () => {
    expect(isUniqueViolation(pgError('23505', 'tenants_code_key'), 'tenants_code_key')).toBe(true);
    expect(isUniqueViolation({ driverError: pgError('23505', 'users_email_key') }, 'users_email_key')).toBe(true);
  });

  it('ignores other constraints, other errors and non-errors', () => {
    expect(isUniqueViolation(pgError('23505', 'users_email_key'), 'tenants_code_key')).toBe(false);
    expect(isUniqueViolation(pgError('23503', 'tenants_code_key'), 'tenants_code_key')).toBe(false);
    expect(isUniqueViolation(null, 'tenants_code_key')).toBe(false);
    expect(isUniqueViolation('23505', 'tenants_code_key')).toBe(false);
  });

  it('reads the SQLSTATE only of errors PostgreSQL raised', () => {
    expect(sqlState(pgError('22003'))).toBe('22003');
    expect(sqlState(Object.assign(new Error('not from pg'), { code: '23505' }))).toBeUndefined();
    expect(isUniqueViolation(pgError('23505', 'any_key'))).toBe(true);
  });
});
