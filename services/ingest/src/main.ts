import { kafkaBusFor } from '@huiying/bus';
import { exitOnConfigError } from '@huiying/config';
import { closeOnSignals, createLogger, createMetricsRegistry } from '@huiying/telemetry';
import { loadIngestConfig } from './config';
import { buildIngestApp } from './ingest-app';

async function main(): Promise<void> {
  const config = loadIngestConfig();
  const logger = createLogger('ingest', config.LOG_LEVEL);
  const registry = createMetricsRegistry('ingest');
  const bus = kafkaBusFor('ingest', config, logger);
  const app = await buildIngestApp({ bus, logger, registry, maxBodyBytes: config.INGEST_MAX_BODY_BYTES, checks: [] });
  await app.listen({ host: '0.0.0.0', port: config.PORT });
  // Stop taking posts before closing the bus, so no 202 is sent for a post that was not acknowledged.
  closeOnSignals(logger, [
    { name: 'bus', close: () => bus.close() },
    { name: 'http', close: () => app.close() },
  ]);
}

main().catch(exitOnConfigError);
