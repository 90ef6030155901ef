#!/usr/bin/env bash
# Emergency P/R on random 40 % holdouts of dev (by dup_group), each model trained on the other
# 60 %: a steadier picture of unseen data than one split. Prints one line per split and the
# number that meet both targets (P ≥ 0.90, R ≥ 0.95).
#   bash packages/classifier-core/scripts/emergency-splits.sh [train options…]
# Seeds: SPLITS="a b c …" (default: 18 splits a–r).
set -euo pipefail
cd "$(dirname "$0")/../../.."
data="${HUIYING_EVAL_DIR:-../shared/eval}/dev"
model="$(mktemp --suffix=.json)"
trap 'rm -f "$model"' EXIT
met=0
n=0
for s in ${SPLITS:-a b c d e f g h i j k l m n o p q r}; do
  export HUIYING_SPLIT_SEED="split-$s"
  npx tsx packages/classifier-core/src/cli/train.ts --holdout 0.4 "$@" --out "$model" >/dev/null 2>&1
  line=$(npx tsx packages/classifier-core/src/cli/eval.ts --task emergency --data "$data" --split heldout --holdout 0.4 --model "$model" --json 2>/dev/null | tail -1)
  ok=$(node -e 'const e=JSON.parse(process.argv[1]);const c=e.confusion;console.log(`${e.precision>=0.9&&e.recall>=0.95?1:0} P ${e.precision.toFixed(3)} R ${e.recall.toFixed(3)} (${c.tp}/${c.fp}/${c.fn})`)' "$line")
  echo "split-$s ${ok#* }"
  met=$((met + ${ok%% *}))
  n=$((n + 1))
done
echo "{\"splits\":$n,\"bothTargetsMet\":$met}"
