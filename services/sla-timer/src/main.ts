import { exitOnConfigError } from '@huiying/config';
import { openStatefulService, serveUntilSignal } from '@huiying/service-host';
import { createLogger } from '@huiying/telemetry';
import { loadPolicyFromConfig } from './clock-policy-config';
import { createClockTimer } from './clock-timer';
import { loadSlaTimerConfig } from './config';
import { redisOptionsFromUrl, warnOnUnsafeRedis } from './redis-check';

async function main(): Promise<void> {
  const config = loadSlaTimerConfig();
  // Policy and Redis are checked before anything opens: a bad policy file stops start-up here.
  const policy = loadPolicyFromConfig(config);
  const early = createLogger('sla-timer', config.LOG_LEVEL);
  early.info({ policy }, 'clock policy');
  await warnOnUnsafeRedis(config.REDIS_URL, early);
  const opened = await openStatefulService('sla-timer', config);
  const timer = createClockTimer({
    ...opened,
    policy,
    redis: redisOptionsFromUrl(config.REDIS_URL),
    prefix: config.REDIS_PREFIX,
    queueName: config.CLOCK_QUEUE,
    reconcileEveryMs: config.RECONCILE_EVERY_MS,
  });
  await timer.start();
  // The timer stops first: its worker can otherwise fire a step mid-shutdown with the bus closed.
  await serveUntilSignal('sla-timer', opened, { name: 'timer', stop: () => timer.stop() }, {
    port: config.PORT,
    checks: [opened.postgresCheck, { name: 'redis', check: async () => void (await timer.queue.getJobCounts('delayed')) }],
  });
}

main().catch(exitOnConfigError);
