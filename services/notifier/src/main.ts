import { exitOnConfigError } from '@huiying/config';
import { openStatefulService, serveUntilSignal } from '@huiying/service-host';
import { redisOptionsFromUrl } from '@huiying/sla-timer';
import { loadNotifierConfig } from './config';
import { createNotifier } from './notifier';

async function main(): Promise<void> {
  const config = loadNotifierConfig();
  const opened = await openStatefulService('notifier', config);
  const notifier = createNotifier({
    ...opened,
    redis: redisOptionsFromUrl(config.REDIS_URL),
    prefix: config.REDIS_PREFIX,
    queueName: config.NOTIFY_QUEUE,
    configDir: config.ALERTING_CONFIG_DIR,
    escalation: { repeatEveryMinutes: config.ALERT_REPEAT_EVERY_MINUTES, escalateAfterMinutes: config.ALERT_ESCALATE_AFTER_MINUTES },
    bundleWindowMs: config.ALERT_BUNDLE_WINDOW_MS,
    maxAttempts: config.ALERT_DELIVERY_ATTEMPTS,
    retryBaseMs: config.ALERT_RETRY_BASE_MS,
    ...(config.ALERT_LINK_BASE !== undefined && { linkBase: config.ALERT_LINK_BASE }),
  });
  await notifier.start();
  await serveUntilSignal('notifier', opened, { name: 'notifier', stop: () => notifier.stop() }, {
    port: config.PORT,
    checks: [
      opened.postgresCheck,
      { name: 'redis', check: async () => void (await notifier.queue.getJobCounts('delayed')) },
      // Names anyone in a chain with no working channel, roster gaps and unconfigured channels.
      notifier.readinessCheck,
    ],
  });
}

main().catch(exitOnConfigError);
