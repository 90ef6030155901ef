/**
 * Every `huiying` sub-command and the script that implements it (paths from the repo root).
 * A package adds its command here; the script reads its own arguments from process.argv.
 */
export const COMMANDS: Record<string, { script: string; summary: string }> = {
  classify: { script: 'packages/classifier-core/src/cli/classify.ts', summary: 'classify --in F.jsonl --out F.jsonl: classify posts from a file' },
  eval: { script: 'packages/classifier-core/src/cli/eval.ts', summary: 'eval --task emergency|rumor --data F.jsonl|DIR [--json]: measure the classifier' },
  train: { script: 'packages/classifier-core/src/cli/train.ts', summary: 'train: train the classifier model from ../shared/eval/dev' },
  reclassify: { script: 'services/classifier/src/cli/reclassify.ts', summary: 'reclassify --since ISO --until ISO [--apply]: re-run stored posts with the current classifier, print changed flags (shadow mode)' },
  migrate: { script: 'packages/store/src/cli/migrate.ts', summary: 'migrate: apply the SQL migrations (DATABASE_URL or the PGlite dir)' },
  users: { script: 'services/api/src/cli/users.ts', summary: 'users add --username N --name D --roles R[,R] --departments D[,D]: add a console user (password from HUIYING_PASSWORD or printed)' },
  audit: { script: 'packages/statements/src/cli/audit.ts', summary: 'audit verify [--json]: check the statements audit trail hash chain; names the first broken entry' },
  ingest: { script: 'services/ingest/src/cli/ingest-file.ts', summary: 'ingest FILE [--rate N | --original-spacing [--speed X]]: publish the posts of a JSONL or CSV file to Kafka' },
  'create-topics': { script: 'packages/bus/src/cli/create-topics.ts', summary: 'create-topics: create every Kafka topic (KAFKA_BROKERS)' },
};
