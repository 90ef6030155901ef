import type { Queryable } from './db';

/**
 * Records that `consumer` handled message `messageId`. Call it inside the transaction that holds
 * the message's effects: true the first time, false on a redelivery — then skip the effects, and
 * the transaction changes nothing.
 */
export async function markProcessed(tx: Queryable, consumer: string, messageId: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO processed_messages (consumer, message_id) VALUES ($1, $2)
     ON CONFLICT (consumer, message_id) DO NOTHING`,
    [consumer, messageId],
  );
  return rowCount === 1;
}
