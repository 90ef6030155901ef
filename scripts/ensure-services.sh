#!/usr/bin/env bash
# Makes sure the services huiying needs are up on this machine — PostgreSQL, Redis, Kafka — and
# that every Kafka topic exists. Starts only what is down; safe to run again and again (npm test
# runs it first). Exits non-zero with the reason when something cannot be brought up.
#
# Environment: KAFKA_BROKERS (default 127.0.0.1:9092) for the topics; KAFKA_PORT etc. reach
# infra/kafka/kafka.sh; REDIS_PORT (6379); PGHOST (127.0.0.1).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pg_host="${PGHOST:-127.0.0.1}"
redis_port="${REDIS_PORT:-6379}"

say() { printf 'ensure-services: %s\n' "$*"; }
die() { printf 'ensure-services: ERROR: %s\n' "$*" >&2; exit 1; }

# wait_for SECONDS COMMAND...: polls until the command succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}

ensure_postgres() {
  command -v pg_isready >/dev/null || die "pg_isready not found: PostgreSQL client tools are not installed"
  if pg_isready -q -h "$pg_host"; then
    say "postgres: up on $pg_host"
    return
  fi
  [[ -d /etc/postgresql ]] || die "postgres is down on $pg_host and no cluster is configured in /etc/postgresql"
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  say "postgres: down; starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start \
    || die "pg_ctlcluster $version main start failed (see /var/log/postgresql/postgresql-$version-main.log)"
  wait_for 30 pg_isready -q -h "$pg_host" || die "postgres started but does not accept connections on $pg_host after 30s"
  say "postgres: started"
}

ensure_redis() {
  command -v redis-cli >/dev/null || die "redis-cli not found: Redis is not installed"
  if [[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" == PONG ]]; then
    say "redis: up on 127.0.0.1:$redis_port"
    return
  fi
  command -v redis-server >/dev/null || die "redis is down and redis-server is not installed"
  local dir="$repo/.data/redis"
  mkdir -p "$dir"
  say "redis: down; starting on 127.0.0.1:$redis_port (data $dir)"
  # noeviction: BullMQ loses jobs (our deadline clocks) if Redis evicts keys under memory pressure.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --appendonly yes \
    --maxmemory-policy noeviction --dir "$dir" --logfile "$dir/redis.log" \
    || die "redis-server failed to start (see $dir/redis.log)"
  wait_for 15 bash -c "[[ \"\$(redis-cli -h 127.0.0.1 -p $redis_port ping)\" == PONG ]]" \
    || die "redis started but does not answer PING after 15s (see $dir/redis.log)"
  say "redis: started"
}

ensure_kafka() {
  bash "$repo/infra/kafka/kafka.sh" start || die "kafka could not be started (see the output above)"
}

ensure_topics() {
  local tsx="$repo/node_modules/.bin/tsx"
  [[ -x "$tsx" ]] || die "tsx not found in node_modules: run npm ci first"
  (cd "$repo" && "$tsx" packages/bus/src/cli/create-topics.ts) || die "creating the Kafka topics failed"
}

ensure_postgres
ensure_redis
ensure_kafka
ensure_topics
say "all services up"
