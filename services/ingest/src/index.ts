export * from './ingest-app';
export * from './ingest-service';
export * from './post-input';
export * from './webhook.routes';
export { createPostAdmission, type AdmissionResult, type PostAdmission, type RefusedItem } from './admission/post-admission';
export { ingestMetrics, type IngestMetrics } from './admission/ingest-metrics';
export { RedisDedupStore } from './admission/redis-dedup-store';
export { SourceDefinition, parseSourcesFile } from './sources/source-definition';
export type { WebhookSourceLookup, WebhookSourceView } from './sources/source-registry';
