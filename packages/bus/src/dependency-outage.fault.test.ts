import pino from 'pino';
import { MAX_OUTAGE_WAIT_MS, isDependencyUnavailable, runAttempts } from './attempts';
import type { Delivery, MessageHandler } from './port';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

/** Runs the attempts with instant waits, recording each wait. */
async function settle(handler: MessageHandler, maxAttempts = 3) {
  const waits: number[] = [];
  const verdict = await runAttempts({
    handler,
    delivery: (attempt) => ({ attempt, topic: 't', partition: 0, offset: '7', key: null }) as unknown as Delivery,
    maxAttempts,
    retryBaseMs: 200,
    wait: async (ms) => (waits.push(ms), true),
    abandoned: new AbortController().signal,
    logger: pino({ level: 'silent' }),
  });
  return { verdict, waits };
}

describe('a dependency outage while a message is handled (PostgreSQL restarting)', () => {
  it.each([
    ['PostgreSQL starting up', withCode('the database system is starting up', '57P03'), true],
    [
      'PostgreSQL shutting down (admin shutdown)',
      withCode('terminating connection due to administrator command', '57P01'),
      true,
    ],
    ['a connection exception class 08', withCode('connection failure', '08006'), true],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true],
    ['a cut connection', new Error('Connection terminated unexpectedly'), true],
    ['a unique violation', withCode('duplicate key value violates unique constraint', '23505'), false],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')"), false],
    ['a thrown string', 'boom', false],
  ])('%s is an outage: %s', (_what, error, expected) => {
    expect(isDependencyUnavailable(error)).toBe(expected);
  });

  it('waits it out without using up the attempts, then handles the message', async () => {
    let calls = 0;
    const { verdict, waits } = await settle(async () => {
      calls++;
      if (calls <= 10) throw withCode('the database system is starting up', '57P03');
    });
    expect(verdict).toEqual({ kind: 'ok', attempts: 1 });
    expect(calls).toBe(11);
    // Backs off, but never past a few seconds: the message goes on soon after the database is back.
    expect(Math.max(...waits)).toBeLessThanOrEqual(5_000);
  });

  it('still dead-letters a message that fails for its own reasons', async () => {
    const { verdict } = await settle(async () => {
      throw new Error('invalid incident level "V"');
    });
    expect(verdict).toEqual({
      kind: 'dead-letter',
      reason: 'failed 3 attempts: invalid incident level "V"',
      attempts: 3,
    });
  });

  it('counts the attempts again once an outage lasts longer than a restart', async () => {
    const { verdict, waits } = await settle(async () => {
      throw withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
    });
    expect(verdict).toMatchObject({ kind: 'dead-letter', attempts: 3 });
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(MAX_OUTAGE_WAIT_MS);
  });
});
