import { exitOnConfigError } from '@huiying/config';
import { defaultCorrelationPolicy } from '@huiying/incident-core';
import { openStatefulService, serveUntilSignal } from '@huiying/service-host';
import { loadIncidentsConfig } from './config';
import { createIncidentWorker } from './incident-worker';

async function main(): Promise<void> {
  const config = loadIncidentsConfig();
  const opened = await openStatefulService('incidents', config);
  const worker = createIncidentWorker({
    ...opened,
    policy: { ...defaultCorrelationPolicy, windowMs: config.CORRELATION_WINDOW_MS },
    batchSize: config.CORRELATION_BATCH_SIZE,
    schemeRefreshMs: config.WATCH_SCHEME_REFRESH_MS,
    spikeSweepMs: config.SPIKE_SWEEP_MS,
  });
  await worker.start();
  await serveUntilSignal('incidents', opened, { name: 'worker', stop: () => worker.stop() }, {
    port: config.PORT,
    checks: [opened.postgresCheck],
  });
}

main().catch(exitOnConfigError);
