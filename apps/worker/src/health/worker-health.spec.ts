import { workerHealthStatus } from './worker-health.controller';

describe('workerHealthStatus', () => {
  it('is ok with both up, degraded (still 200) without Redis, and 503 without the database', () => {
    expect(workerHealthStatus('up', 'up')).toEqual({ status: 'ok', httpStatus: 200 });
    expect(workerHealthStatus('down', 'up')).toEqual({ status: 'degraded', httpStatus: 200 });
    expect(workerHealthStatus('up', 'down')).toEqual({ status: 'error', httpStatus: 503 });
    expect(workerHealthStatus('down', 'down')).toEqual({ status: 'error', httpStatus: 503 });
  });
});
