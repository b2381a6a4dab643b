#!/usr/bin/env bash
# A real, single-node Apache Kafka broker (KRaft: broker and controller in one JVM) without Docker.
#
#   kafka.sh fetch    download the broker jars from Maven Central into infra/kafka/lib (idempotent)
#   kafka.sh start    fetch if needed, format storage once, start, wait until the broker answers
#   kafka.sh stop     stop cleanly (SIGTERM, then wait; SIGKILL only after KAFKA_STOP_TIMEOUT_S)
#   kafka.sh status   exit 0 and print the pid when running
#
# Settings (environment):
#   KAFKA_PORT            client port on 127.0.0.1                 (default 9092)
#   KAFKA_CONTROLLER_PORT KRaft controller port on 127.0.0.1       (default KAFKA_PORT+1)
#   KAFKA_DATA_DIR        state: logs, pid file, broker log        (default infra/kafka/data)
#   KAFKA_HEAP            JVM heap                                 (default 768m)
#   KAFKA_PARTITIONS      default partitions of auto topics        (default 6)
#   KAFKA_START_TIMEOUT_S how long start waits for readiness       (default 90)
#   KAFKA_STOP_TIMEOUT_S  how long stop waits before SIGKILL       (default 30)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$here/lib"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
data="${KAFKA_DATA_DIR:-$here/data}"
heap="${KAFKA_HEAP:-768m}"
pidfile="$data/kafka.pid"
conf="$data/server.properties"
log="$data/broker.log"

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}

fetch() {
  if [[ -f "$lib/.complete" && "$lib/.complete" -nt "$here/pom.xml" ]]; then return 0; fi
  echo "kafka: fetching broker jars from Maven Central (pom: $here/pom.xml)" >&2
  rm -rf "$lib.tmp"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib.tmp" >&2
  rm -rf "$lib"
  mv "$lib.tmp" "$lib"
  touch "$lib/.complete"
}

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# A TCP connect is not enough: the port opens before the broker has registered with the controller.
# kafka-broker-api-versions only answers once the broker serves metadata.
ready() {
  "$(java_bin)" -Xmx128m -cp "$lib/*" -Dlog4j2.configurationFile="$here/log4j2-tools.properties" \
    org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "127.0.0.1:$port" >/dev/null 2>&1
}

write_config() {
  mkdir -p "$data/logs"
  cat >"$conf" <<EOF
# Written by infra/kafka/kafka.sh; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/logs
num.partitions=${KAFKA_PARTITIONS:-6}
# The hub provisions its topics explicitly (with their retention); a typo must not create a topic.
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# One node: no reason to wait for more group members before the first rebalance.
group.initial.rebalance.delay.ms=0
# Single node: a crash must not lose acknowledged records, so flush to disk is left to the OS as usual,
# but clean shutdown is required before a restart keeps data (see stop()).
controlled.shutdown.enable=true
delete.topic.enable=true
EOF
}

format_storage() {
  if [[ -f "$data/logs/meta.properties" ]]; then return 0; fi
  local id
  id="$("$(java_bin)" -Xmx128m -cp "$lib/*" -Dlog4j2.configurationFile="$here/log4j2-tools.properties" \
    kafka.tools.StorageTool random-uuid)"
  "$(java_bin)" -Xmx256m -cp "$lib/*" -Dlog4j2.configurationFile="$here/log4j2-tools.properties" \
    kafka.tools.StorageTool format --ignore-formatted -t "$id" -c "$conf" >>"$log" 2>&1
}

start() {
  if pid="$(running_pid)"; then
    echo "kafka: already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  fetch
  mkdir -p "$data"
  write_config
  format_storage
  echo "kafka: starting on 127.0.0.1:$port (data $data, log $log)"
  # setsid: the broker must outlive the shell (and npm) that started it, and Ctrl-C in that
  # terminal must not reach it; stop() is the only way it goes down.
  setsid "$(java_bin)" -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$data" \
    -cp "$lib/*" kafka.Kafka "$conf" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT_S:-90}))
  until ready; do
    if ! running_pid >/dev/null; then
      echo "kafka: broker exited during start; last lines of $log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    if ((SECONDS > deadline)); then
      echo "kafka: not ready after ${KAFKA_START_TIMEOUT_S:-90}s; see $log" >&2
      exit 1
    fi
    sleep 1
  done
  echo "kafka: ready on 127.0.0.1:$port"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    echo "kafka: not running"
    rm -f "$pidfile"
    return 0
  fi
  echo "kafka: stopping (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + ${KAFKA_STOP_TIMEOUT_S:-30}))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      echo "kafka: no clean stop after ${KAFKA_STOP_TIMEOUT_S:-30}s, killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$pidfile"
  echo "kafka: stopped"
}

status() {
  if pid="$(running_pid)"; then
    echo "kafka: running (pid $pid) on 127.0.0.1:$port"
  else
    echo "kafka: not running"
    return 1
  fi
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 fetch|start|stop|status" >&2
    exit 2
    ;;
esac
