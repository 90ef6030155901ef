import { toIso } from '@huiying/incident-core';
import type { Db } from '@huiying/store';

export interface AcknowledgedAlert {
  id: string;
  acknowledgedAt: string;
  acknowledgedBy: string;
  /** False when someone else had already acknowledged it (their name and time are kept). */
  newly: boolean;
}

/**
 * A person acknowledges an alert: its repeats and escalation stop, and so do those of the alerts
 * folded into its message. Returns null when there is no such alert. The first acknowledgment
 * stands; a second one changes nothing.
 */
export async function acknowledgeAlert(db: Db, alertId: string, userId: string, at: Date = new Date()): Promise<AcknowledgedAlert | null> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ acknowledged_at: unknown; acknowledged_by: string | null }>(
      'SELECT acknowledged_at, acknowledged_by FROM alerts WHERE id = $1 FOR UPDATE',
      [alertId],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.acknowledged_at !== null) {
      return { id: alertId, acknowledgedAt: toIso(row.acknowledged_at), acknowledgedBy: row.acknowledged_by ?? '', newly: false };
    }
    await tx.query(
      `UPDATE alerts SET acknowledged_at = $2, acknowledged_by = $3, delivery_state = 'done', next_round_at = NULL
        WHERE (id = $1 OR bundled_into = $1) AND acknowledged_at IS NULL`,
      [alertId, at.toISOString(), userId],
    );
    return { id: alertId, acknowledgedAt: at.toISOString(), acknowledgedBy: userId, newly: true };
  });
}
