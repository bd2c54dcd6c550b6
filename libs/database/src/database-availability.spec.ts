import { Logger } from '@nestjs/common';
import { createServer } from 'node:net';
import { Clock } from '@conduit/platform';
import { DatabaseAvailability, connectionLoss } from './database-availability';

/** A port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('DatabaseAvailability', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  let log: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it('logs an outage once when it starts and once when it ends, however many failures it saw', () => {
    const availability = new DatabaseAvailability(new Clock());
    for (let i = 0; i < 50; i++) expect(availability.notice(refused)).toBe(true);
    expect(availability.away).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    availability.connected();
    availability.connected();
    expect(availability.away).toBe(false);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toMatchObject({ failures: 50 });
  });

  it('leaves other errors to the caller', () => {
    const availability = new DatabaseAvailability(new Clock());
    expect(availability.notice(new Error('relation "x" does not exist'))).toBe(false);
    expect(availability.notice(Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' }))).toBe(
      false,
    );
    expect(availability.away).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });

  it("gives the pool clients that always listen for 'error' and report refused connections", async () => {
    const availability = new DatabaseAvailability(new Clock());
    const ObservedClient = availability.clientClass();
    const client = new ObservedClient({ host: '127.0.0.1', port: await closedPort(), user: 'x', database: 'x' });
    expect(client.listenerCount('error')).toBe(1);
    await expect(
      new Promise<void>((resolve, reject) => client.connect((err: Error) => (err ? reject(err) : resolve()))),
    ).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(availability.away).toBe(true);
    // An 'error' emitted later (the socket of a connection in use dying) is heard, not thrown, and remembered.
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
      severity: 'FATAL',
    });
    expect(() => client.emit('error', terminated)).not.toThrow();
    expect(connectionLoss(client)).toBe(terminated);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
