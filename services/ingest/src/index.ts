export * from './ingest-app';
export * from './post-input';
export * from './webhook.routes';
