import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A metrics registry per service (per process in split mode, shared in the embedded mode). */
export function createMetricsRegistry(service: string, collectDefaults = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (collectDefaults) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Metrics every bus consumer reports, so a stuck or poisoned stage is visible. */
export function consumerMetrics(registry: Registry) {
  return {
    handled: getOrCreate(registry, 'huiying_messages_handled_total', () =>
      new Counter({ name: 'huiying_messages_handled_total', help: 'Messages handled, by topic and outcome', labelNames: ['topic', 'outcome'], registers: [registry] }),
    ),
    handleSeconds: getOrCreate(registry, 'huiying_message_handle_seconds', () =>
      new Histogram({ name: 'huiying_message_handle_seconds', help: 'Time to handle one message', labelNames: ['topic'], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10], registers: [registry] }),
    ),
  };
}

export function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []): Gauge {
  return getOrCreate(registry, name, () => new Gauge({ name, help, labelNames, registers: [registry] }));
}

export function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  return getOrCreate(registry, name, () => new Counter({ name, help, labelNames, registers: [registry] }));
}

function getOrCreate<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}
