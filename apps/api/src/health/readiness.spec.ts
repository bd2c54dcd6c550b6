import { ServiceUnavailableException } from '@nestjs/common';
import { degradedReadiness } from './readiness';

const failure = (error: Record<string, { status: string }>, info: Record<string, { status: string }> = {}) =>
  new ServiceUnavailableException({ status: 'error', info, error, details: { ...info, ...error } });

describe('degradedReadiness', () => {
  it('turns a failure of Redis alone into a degraded answer with the same details', () => {
    const answer = degradedReadiness(failure({ redis: { status: 'down' } }, { database: { status: 'up' } }));
    expect(answer).toEqual({
      status: 'degraded',
      info: { database: { status: 'up' } },
      error: { redis: { status: 'down' } },
      details: { database: { status: 'up' }, redis: { status: 'down' } },
    });
  });

  it('keeps a database failure a failure, with or without Redis', () => {
    expect(degradedReadiness(failure({ database: { status: 'down' } }, { redis: { status: 'up' } }))).toBeNull();
    expect(degradedReadiness(failure({ database: { status: 'down' }, redis: { status: 'down' } }))).toBeNull();
  });

  it('leaves any other error alone (shutting down, a plain 503, a bug)', () => {
    expect(
      degradedReadiness(
        new ServiceUnavailableException({ status: 'shutting_down', error: { redis: { status: 'down' } } }),
      ),
    ).toBeNull();
    expect(degradedReadiness(new ServiceUnavailableException())).toBeNull();
    expect(degradedReadiness(new Error('redis'))).toBeNull();
  });
});
