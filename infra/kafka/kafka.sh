#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft, combined broker + controller) from its jars on the
# JDK: no Docker, no Kafka package. See /work/shared/kafka.md for where the steps come from.
#
#   bash infra/kafka/kafka.sh start|stop|status|logs
#
# Environment (all optional):
#   KAFKA_PORT             client port                         (9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port               (KAFKA_PORT + 1)
#   KAFKA_HOST             address the listeners bind to       (127.0.0.1)
#   KAFKA_DATA_DIR         config, pid, logs and topic data    (<repo>/.data/kafka, or
#                          <repo>/.data/kafka-<port> when KAFKA_PORT is not 9092)
#   KAFKA_HEAP             JVM max heap                        (512m)
#   KAFKA_START_TIMEOUT    seconds to wait for a usable broker (90)
#   HUIYING_CACHE          jar cache shared by every clone     ($HOME/.cache/huiying)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

kafka_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
host="${KAFKA_HOST:-127.0.0.1}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
if [[ "$port" == 9092 ]]; then default_data="$repo/.data/kafka"; else default_data="$repo/.data/kafka-$port"; fi
data_dir="${KAFKA_DATA_DIR:-$default_data}"
heap="${KAFKA_HEAP:-512m}"
start_timeout="${KAFKA_START_TIMEOUT:-90}"
# Jars live outside the work tree so a fresh clone on the same machine does not resolve them again.
lib_dir="${HUIYING_CACHE:-$HOME/.cache/huiying}/kafka-$kafka_version/lib"

pid_file="$data_dir/kafka.pid"
log_file="$data_dir/logs/server.log"
props_file="$data_dir/server.properties"

say() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid cmdline
  pid="$(cat "$pid_file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # The pid must still be our broker: after a reboot the number may belong to anything.
  # (Read whole, not piped into grep -q: an early exit of grep fails the pipe under pipefail.)
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  if [[ "$cmdline" == *kafka.Kafka*"$props_file"* ]]; then
    echo "$pid"
  else
    return 1
  fi
}

resolve_jars() {
  if [[ -f "$lib_dir/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: Maven is needed once to resolve the Kafka $kafka_version jars"
  say "resolving Kafka $kafka_version jars into $lib_dir (first time only)"
  local tmp="$lib_dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! (cd "$here" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp"); then
    rm -rf "$tmp"
    die "Maven could not resolve the Kafka jars (see its output above)"
  fi
  # Move into place whole, so an interrupted download is never taken for a complete one.
  rm -rf "$lib_dir"
  mv "$tmp" "$lib_dir"
  touch "$lib_dir/.complete"
}

write_config() {
  mkdir -p "$data_dir/logs" "$data_dir/kraft"
  cat >"$props_file" <<EOF
# Written by infra/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$host:$controller_port
listeners=PLAINTEXT://$host:$port,CONTROLLER://$host:$controller_port
advertised.listeners=PLAINTEXT://$host:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data_dir/kraft
num.partitions=1
# One broker: internal topics above one replica would never become available, and consumers
# would loop on GROUP_COORDINATOR_NOT_AVAILABLE.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Small internal topics keep the first start and the log folder light on a dev machine.
offsets.topic.num.partitions=10
# A lone consumer should not wait 3 s for companions that never come (tests join groups a lot).
group.initial.rebalance.delay.ms=0
# Topics come from TopicSpecs (npm run topics:create), never from a typo in a consumer.
auto.create.topics.enable=false
delete.topic.enable=true
EOF
  cat >"$data_dir/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$log_file
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.state.change.logger=WARN
EOF
  # The format tool and the probe are short-lived clients: warnings and worse to stderr only.
  cat >"$data_dir/log4j-tools.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

format_storage() {
  if [[ -f "$data_dir/kraft/meta.properties" ]]; then return 0; fi
  local cluster_id
  cluster_id="$(java -Dlog4j.configuration="file:$data_dir/log4j-tools.properties" -cp "$lib_dir/*" kafka.tools.StorageTool random-uuid)"
  say "formatting storage in $data_dir/kraft (cluster $cluster_id)"
  java -Dlog4j.configuration="file:$data_dir/log4j-tools.properties" -cp "$lib_dir/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$props_file" >/dev/null \
    || die "formatting the storage in $data_dir/kraft failed"
}

probe() {
  # Compiled once per version of BrokerProbe.java: a single-file source launch would recompile it
  # on every start, which costs seconds on a small machine.
  local sum classes
  sum="$(sha1sum "$here/BrokerProbe.java" | cut -c1-12)"
  classes="$lib_dir/../probe-$sum"
  if [[ ! -f "$classes/BrokerProbe.class" ]]; then
    mkdir -p "$classes.tmp.$$"
    javac -nowarn -d "$classes.tmp.$$" -cp "$lib_dir/*" "$here/BrokerProbe.java" || die "compiling BrokerProbe.java failed"
    rm -rf "$classes" && mv "$classes.tmp.$$" "$classes"
  fi
  java -Dlog4j.configuration="file:$data_dir/log4j-tools.properties" -cp "$classes:$lib_dir/*" \
    BrokerProbe "$host:$port" "$1"
}

start() {
  if port_open; then
    if pid="$(running_pid)"; then
      say "already running (pid $pid) on $host:$port; reusing it"
    else
      say "a broker already answers on $host:$port (not started from $data_dir); reusing it"
    fi
    return 0
  fi
  command -v java >/dev/null || die "java not found: a JDK 17+ is needed to run the broker"
  resolve_jars
  write_config
  format_storage
  local started=$SECONDS
  say "starting Kafka $kafka_version on $host:$port (controller $controller_port, data $data_dir)"
  # setsid: the broker outlives this shell and a Ctrl-C in it.
  setsid java -Xms256m -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$data_dir/log4j.properties" \
    -Dkafka.logs.dir="$data_dir/logs" \
    -cp "$lib_dir/*" kafka.Kafka "$props_file" \
    >"$data_dir/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  local pid
  pid="$(cat "$pid_file")"

  # Wait for the port first (cheap), then prove a client can create a topic.
  local deadline=$((SECONDS + start_timeout))
  until port_open; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$log_file" "$data_dir/logs/stdout.log" >&2 2>/dev/null || true
      die "the broker exited during start (log above; full log: $log_file)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$log_file" >&2 2>/dev/null || true
      die "the broker did not open $host:$port within ${start_timeout}s (log above; full log: $log_file)"
    fi
    sleep 0.3
  done
  local remaining=$((deadline - SECONDS))
  ((remaining < 5)) && remaining=5
  if ! probe "$remaining" >/dev/null; then
    tail -n 40 "$log_file" >&2 2>/dev/null || true
    die "the broker listens on $host:$port but could not create a topic (log above; full log: $log_file)"
  fi
  say "ready on $host:$port after $((SECONDS - started))s (pid $pid, log $log_file)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pid_file"
    if port_open; then
      say "not started from $data_dir, but something answers on $host:$port; leaving it alone"
    else
      say "not running"
    fi
    return 0
  fi
  say "stopping (pid $pid)"
  kill -TERM "$pid"
  # A controlled shutdown flushes logs and writes the clean-shutdown marker; give it time.
  local waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited < 300)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "still alive after 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  say "stopped"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open; then say "running (pid $pid) on $host:$port"; else say "process $pid alive but $host:$port closed (starting or stuck)"; fi
  elif port_open; then
    say "something answers on $host:$port (not started from $data_dir)"
  else
    say "not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  logs) tail -n "${LINES_TO_SHOW:-100}" -F "$log_file" ;;
  *)
    echo "usage: $0 start|stop|status|logs" >&2
    exit 2
    ;;
esac
