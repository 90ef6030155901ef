import { randomUUID } from 'node:crypto';
import { defineMessage } from '@huiying/contracts';
import { z } from 'zod';

/** A small message definition on a fresh topic, so every test has its own. */
export function testMessage(topic = `test.bus.${randomUUID()}`) {
  return defineMessage({
    topic,
    type: 'test.counted',
    version: 1,
    payload: z.object({ key: z.string(), n: z.number().int() }),
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until the check passes; fails with the message when it never does. */
export async function eventually(check: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
    await sleep(20);
  }
}
