/**
 * Every `huiying` sub-command and the script that implements it (paths from the repo root).
 * A package adds its command here; the script reads its own arguments from process.argv.
 */
export const COMMANDS: Record<string, { script: string; summary: string }> = {
  classify: { script: 'packages/classifier-core/src/cli/classify.ts', summary: 'classify --in F.jsonl --out F.jsonl: classify posts from a file' },
  eval: { script: 'packages/classifier-core/src/cli/eval.ts', summary: 'eval --task emergency|rumor --data F.jsonl|DIR [--json]: measure the classifier' },
  train: { script: 'packages/classifier-core/src/cli/train.ts', summary: 'train: train the classifier model from ../shared/eval/dev' },
  migrate: { script: 'packages/store/src/cli/migrate.ts', summary: 'migrate: apply the SQL migrations (DATABASE_URL or the PGlite dir)' },
  'create-topics': { script: 'packages/bus/src/cli/create-topics.ts', summary: 'create-topics: create every Kafka topic (KAFKA_BROKERS)' },
};
