import { QueryFailedError } from 'typeorm';
import { loggableError } from './loggable-error';

describe('loggableError', () => {
  it("keeps a failed query's statement, code and constraint but never its parameters", () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      constraint: 'users_email_key',
      table: 'users',
    });
    const err = new QueryFailedError(
      'INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3)',
      ['u1', 'a@b.test', 'scrypt$16384$8$1$salt$hash'],
      driverError,
    );
    const logged = loggableError(err);
    expect(logged).toMatchObject({
      type: 'QueryFailedError',
      code: '23505',
      constraint: 'users_email_key',
      table: 'users',
      query: expect.stringContaining('INSERT INTO users'),
    });
    expect(JSON.stringify(logged)).not.toContain('scrypt$');
    expect(JSON.stringify(logged)).not.toContain('a@b.test');
  });

  it('describes other errors and non-errors briefly', () => {
    expect(loggableError(new TypeError('x is undefined'))).toMatchObject({
      type: 'TypeError',
      message: 'x is undefined',
    });
    expect(loggableError('boom')).toEqual({ type: 'string', message: 'boom' });
  });
});
