import { queueBoardCookie, readCookie } from './queue-board';

describe('queue board cookie', () => {
  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie('a=1; conduit_queue_board=abc.def; b=2', 'conduit_queue_board')).toBe('abc.def');
    expect(readCookie('conduit_queue_boardx=1', 'conduit_queue_board')).toBeUndefined();
    expect(readCookie(undefined, 'conduit_queue_board')).toBeUndefined();
    expect(readCookie('conduit_queue_board=%E0%A4%A', 'conduit_queue_board')).toBeUndefined();
  });

  it('opens a session scoped to the board path, HttpOnly and SameSite=Strict, Secure over HTTPS, and clears it', () => {
    expect(queueBoardCookie('t.o.k', 899.7, true)).toBe(
      'conduit_queue_board=t.o.k; Path=/admin/queues; Max-Age=899; HttpOnly; SameSite=Strict; Secure',
    );
    expect(queueBoardCookie('', 0, false)).toBe(
      'conduit_queue_board=; Path=/admin/queues; Max-Age=0; HttpOnly; SameSite=Strict',
    );
  });
});
