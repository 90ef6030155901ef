#!/usr/bin/env bash
# Rumour F1 on random 40 % holdouts of dev (by dup_group), each model trained on the other 60 %:
# the figure the README quotes as "mean over six 40 % splits". One line per split (held-out F1,
# the threshold chosen and its 4-fold CV F1 on the training part), then the mean.
#   bash packages/classifier-core/scripts/rumor-splits.sh [train options…]
# Seeds: SPLITS="a b c …" (default: six splits a–f).
set -euo pipefail
cd "$(dirname "$0")/../../.."
data="${HUIYING_EVAL_DIR:-../shared/eval}/dev"
model="$(mktemp --suffix=.json)"
log="$(mktemp)"
trap 'rm -f "$model" "$log"' EXIT
f1s=()
for s in ${SPLITS:-a b c d e f}; do
  export HUIYING_SPLIT_SEED="split-$s"
  npx tsx packages/classifier-core/src/cli/train.ts --holdout 0.4 "$@" --out "$model" 2>"$log" >/dev/null
  line=$(npx tsx packages/classifier-core/src/cli/eval.ts --task rumor --data "$data" --split heldout --holdout 0.4 --model "$model" --json 2>/dev/null | tail -1)
  f1=$(node -e 'console.log(JSON.parse(process.argv[1]).f1.toFixed(4))' "$line")
  cv=$(sed -n 's/^rumor: threshold \([0-9.]*\), 4-fold CV .*"f1":\([0-9.]*\).*/threshold \1, CV F1 \2/p' "$log")
  echo "split-$s F1 $f1 ($cv)"
  f1s+=("$f1")
done
node -e 'const f=process.argv.slice(1).map(Number);console.log(JSON.stringify({splits:f.length,meanF1:Math.round(f.reduce((a,b)=>a+b,0)/f.length*1e4)/1e4,minF1:Math.min(...f),maxF1:Math.max(...f)}))' "${f1s[@]}"
