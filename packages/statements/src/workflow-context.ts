import { randomUUID } from 'node:crypto';
import { decide, type Action, type ActionResources, type Principal } from '@huiying/access';
import type { Db, Queryable } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import { appendAudit, type RequestOrigin } from './audit/audit-trail';
import type { AuditFacts } from './audit/audit-chain';
import type { ChainStepConfig, EscalationPolicy, SignOffTiming } from './sign-off/sign-off-chain';
import { StatementError } from './statement-errors';
import type { WebhookTarget } from './publishing/webhook-delivery';
import type { TemplateCatalog } from './templates/template-catalog';

/** What the workflow needs from the world, in one options object (the routes and workers build it once). */
export interface StatementsSetup {
  db: Db;
  /** The outbox relay: flushed after a commit that enqueued events (statement published, step overdue). */
  relay: { flush(): Promise<number> };
  templates: TemplateCatalog;
  /** The news office, last step of the default chain. Default 市政府新闻办. */
  newsOffice: string;
  timing: SignOffTiming;
  escalation: EscalationPolicy;
  /** Time zone of the dates written into texts. Default Asia/Shanghai. */
  timeZone: string;
  webhooks: readonly WebhookTarget[];
  logger: Logger;
}

/** Who acts, from where, and the `now` the decision uses. */
export interface ActionContext {
  principal: Principal;
  origin: RequestOrigin;
  now: Date;
}

/** Refuses with the policy's reason unless `can()` allows. */
export function authorize<A extends Action>(ctx: ActionContext, action: A, resource: ActionResources[A]): void {
  const decision = decide(ctx.principal, action, resource);
  if (!decision.allowed) throw new StatementError('forbidden', `${action} refused: ${decision.reason}`, decision.reason);
}

export async function audit(
  tx: Queryable,
  ctx: ActionContext,
  action: string,
  subject: Pick<AuditFacts, 'subjectKind' | 'subjectId'>,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await appendAudit(tx, {
    at: ctx.now.toISOString(), actor: ctx.principal.id, action, ...subject,
    ip: ctx.origin.ip, userAgent: ctx.origin.userAgent, detail,
  });
}

/** The department's configured chain, or null for the default. */
export async function configuredChain(db: Queryable, department: string): Promise<ChainStepConfig[] | null> {
  const { rows } = await db.query<{ steps: unknown }>('SELECT steps FROM sign_off_chains WHERE department = $1', [department]);
  const steps = rows[0]?.steps;
  if (steps === undefined) return null;
  return (typeof steps === 'string' ? JSON.parse(steps) : steps) as ChainStepConfig[];
}

/** Random part of the ids (`dft_…`, `stm_…`): short enough to read aloud on the phone. */
export function shortId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}
