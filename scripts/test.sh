#!/usr/bin/env bash
# `npm test`: starts what the tests need (PostgreSQL, Redis, Kafka and its topics), type-checks
# the whole repo, then runs every test — unit and integration — against the real services.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-services.sh

echo "typecheck: tsc over every package and service"
npx tsc -p tsconfig.json
echo "lint: eslint"
npx eslint .

# PGlite's CommonJS build loads its WebAssembly through import(), which jest allows only with
# this flag; without it every test that opens PGlite fails.
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning"
# Two workers: the machine has two cores, and Kafka, PostgreSQL and Redis share them.
npx jest --ci --maxWorkers=2 "$@"

# The console in a real browser (Debian's chromium through playwright-core), one test per role.
npm run test:browser
