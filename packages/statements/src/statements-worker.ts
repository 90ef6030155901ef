import { linkAllRepeatingPosts } from './claims/claim-registry';
import { escalateOverdueSteps } from './sign-off/sign-off-workflow';
import { createWebhookDeliverer, type RetryPolicy } from './publishing/webhook-delivery';
import { createStatementsSetup, type StatementsSetupOptions } from './statements-setup';

export interface StatementsWorkerOptions extends StatementsSetupOptions {
  /** How often the worker looks for overdue steps, due deliveries and new repeats of claims. Default 15 s. */
  intervalMs?: number;
  retry?: RetryPolicy;
  now?: () => Date;
}

/**
 * The periodic side of statements: escalates overdue sign-off steps, sends and retries webhook
 * deliveries, links new posts to the debunked claims they repeat. Nothing starts until `start()`.
 */
export function createStatementsWorker(options: StatementsWorkerOptions) {
  const setup = createStatementsSetup(options);
  const now = options.now ?? (() => new Date());
  const deliverer = createWebhookDeliverer({
    db: setup.db, webhooks: setup.webhooks, logger: setup.logger, now,
    ...(options.retry !== undefined && { retry: options.retry }),
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function tick(): Promise<{ escalated: number; delivered: number; linked: number }> {
    const at = now();
    const escalated = await escalateOverdueSteps(setup, at);
    const delivery = await deliverer.deliverDue();
    const linked = await setup.db.transaction((tx) => linkAllRepeatingPosts(tx, at));
    return { escalated, delivered: delivery.delivered, linked };
  }

  return {
    deliverer,
    tick,
    start() {
      const loop = () => {
        running = tick()
          .then(() => undefined)
          .catch((err: unknown) => setup.logger.error({ err }, 'statements worker tick failed; will retry'))
          .finally(() => {
            if (timer) timer = setTimeout(loop, options.intervalMs ?? 15_000);
          });
      };
      timer = setTimeout(loop, 0);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
