#!/usr/bin/env bash
# Real Apache Kafka without Docker, from Apache's own jars (pom.xml, fetched from Maven Central), in
# KRaft mode: a single broker (the default for `npm start` and the tests), a three-broker cluster
# for fault tests, and either of them secured with SASL/SCRAM-SHA-512, TLS and ACLs.
# docs/kafka.md explains the choices.
#
# Single broker (broker and controller in one JVM):
#   kafka.sh fetch              download the jars into infra/kafka/lib (idempotent)
#   kafka.sh start              fetch if needed, format storage once, start, wait until the broker answers
#   kafka.sh stop               stop cleanly (SIGTERM, then wait; SIGKILL only after KAFKA_STOP_TIMEOUT_S)
#   kafka.sh status             exit 0 and print the pid when running
#
# Three-broker cluster (brokers 1, 2, 3 and one KRaft controller, each its own JVM; replication
# factor 3, min.insync.replicas 2, internal topics too):
#   kafka.sh cluster start      format once, start every node that is not running, wait until all
#                               three brokers serve
#   kafka.sh cluster stop       stop the brokers cleanly, then the controller
#   kafka.sh cluster status     one line per node; exit 0 only when every node runs
#   kafka.sh cluster kill N     SIGKILL broker N (1-3, or `controller`): a crash, for fault tests
#   kafka.sh cluster restart N  start node N again and wait until it serves
#
# Security (KAFKA_SECURITY=sasl or sasl_ssl when storage is formatted; prefix `cluster` for the cluster):
#   kafka.sh [cluster] env [USER]         the services' KAFKA_* settings for USER (gateway, projection,
#                                         dispatcher, registry, admin), one KEY=value per line
#   kafka.sh [cluster] acl setup          SCRAM credentials and ACLs of the hub's four services
#   kafka.sh [cluster] acl system ID      a principal for the Kafka-native system ID: it may write its
#                                         ingress topic and read its rejects topic; prints the password once
#   kafka.sh [cluster] acl remove-system ID   delete that principal's credential and ACLs
#   kafka.sh [cluster] acl list           every ACL in the cluster
#   kafka.sh acl print                    the hub's ACLs as `acl setup` applies them (no broker needed)
#
# Settings (environment):
#   KAFKA_PORT            single broker's client port on 127.0.0.1          (default 9092)
#   KAFKA_CONTROLLER_PORT single broker's KRaft controller port              (default KAFKA_PORT+1)
#   KAFKA_DATA_DIR        single broker's state: logs, pid file, broker log  (default infra/kafka/data)
#   KAFKA_HEAP            single broker's JVM heap                           (default 768m)
#   KAFKA_CLUSTER_DIR     the cluster's state, a folder per node             (default infra/kafka/cluster)
#   KAFKA_CLUSTER_PORT    broker N listens on KAFKA_CLUSTER_PORT+N-1         (default 19092)
#   KAFKA_CLUSTER_CONTROLLER_PORT  the cluster's controller port             (default KAFKA_CLUSTER_PORT+10)
#   KAFKA_CLUSTER_HEAP    heap per cluster broker                            (default 384m)
#   KAFKA_CLUSTER_CONTROLLER_HEAP  heap of the cluster's controller          (default 256m)
#   KAFKA_JVM_OPTS        extra JVM flags for every broker and controller
#   KAFKA_PARTITIONS      default partitions of auto topics                  (default 6)
#   KAFKA_SECURITY        none | sasl | sasl_ssl: chosen when storage is formatted and kept in the
#                         data folder (later starts keep it; another value is refused)   (default none)
#   KAFKA_TLS_NAMES       extra host names for the broker certificate (sasl_ssl)
#   KAFKA_TOPIC_PREFIX, PROJECTION_GROUP_ID, DISPATCHER_GROUP_ID
#                         as the services read them: the ACLs name the same topics and groups
#   KAFKA_BOOTSTRAP, KAFKA_ADMIN_PROPERTIES
#                         acl commands against brokers this script did not start (docker-compose)
#   KAFKA_START_TIMEOUT_S how long start waits for readiness                 (default 90)
#   KAFKA_STOP_TIMEOUT_S  how long stop waits before SIGKILL                 (default 30)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$here/lib"
tools_log4j="$here/log4j2-tools.properties"
# The hub's own principals; each gets a SCRAM credential and the ACLs of hub_acl_lines.
hub_users=(gateway projection dispatcher registry)

port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
data="${KAFKA_DATA_DIR:-$here/data}"
heap="${KAFKA_HEAP:-768m}"

cluster_dir="${KAFKA_CLUSTER_DIR:-$here/cluster}"
cluster_port="${KAFKA_CLUSTER_PORT:-19092}"
cluster_cport="${KAFKA_CLUSTER_CONTROLLER_PORT:-$((cluster_port + 10))}"
cluster_heap="${KAFKA_CLUSTER_HEAP:-384m}"
controller_heap="${KAFKA_CLUSTER_CONTROLLER_HEAP:-256m}"
# Out of the brokers' range, so `kill 1` can never mean the controller.
controller_id=100

die() {
  echo "kafka: $*" >&2
  exit 1
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}

# tool HEAP ARGS...: a Kafka tool (or KafkaAccess.java) on the fetched jars, logging quietly.
tool() {
  local max="$1"
  shift
  "$(java_bin)" -Xmx"$max" -cp "$lib/*" -Dlog4j2.configurationFile="$tools_log4j" "$@"
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

# ---------------------------------------------------------------------------------------------------
# Deployments and nodes. `use_single`/`use_cluster` pick the deployment (its folder holds the
# security state: mode, secrets, TLS); `select_node` picks the node the node functions act on.

deployment=""
root=""
voters=""

use_single() {
  deployment=single
  root="$data"
  voters="1@127.0.0.1:$cport"
}

use_cluster() {
  deployment=cluster
  root="$cluster_dir"
  voters="$controller_id@127.0.0.1:$cluster_cport"
}

node_dir=""
node_roles=""
node_id=""
node_port=""
node_cport=""
node_heap=""
node_name=""
pidfile=""
conf=""
log=""

# select_node single | controller | 1 | 2 | 3
select_node() {
  case "$1" in
    single)
      node_dir="$data" node_roles=broker,controller node_id=1 node_port="$port" node_cport="$cport"
      node_heap="$heap" node_name=broker
      ;;
    controller)
      node_dir="$cluster_dir/controller" node_roles=controller node_id="$controller_id" node_port=""
      node_cport="$cluster_cport" node_heap="$controller_heap" node_name=controller
      ;;
    1 | 2 | 3)
      node_dir="$cluster_dir/node$1" node_roles=broker node_id="$1" node_port=$((cluster_port + $1 - 1))
      node_cport="" node_heap="$cluster_heap" node_name="broker $1"
      ;;
    *) die "no node '$1' (1, 2, 3 or controller)" ;;
  esac
  pidfile="$node_dir/kafka.pid"
  conf="$node_dir/server.properties"
  log="$node_dir/broker.log"
}

cluster_nodes=(controller 1 2 3)

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

formatted() { [[ -f "$node_dir/logs/meta.properties" ]]; }

brokers() {
  if [[ $deployment == single ]]; then
    echo "127.0.0.1:$port"
  else
    echo "127.0.0.1:$cluster_port,127.0.0.1:$((cluster_port + 1)),127.0.0.1:$((cluster_port + 2))"
  fi
}

# ---------------------------------------------------------------------------------------------------
# Security state of the deployment in $root: `security` (the mode), secrets/ (passwords, the admin
# client's properties), tls/ (the local CA and the broker certificate). Chosen at format time:
# the SCRAM credentials the brokers authenticate each other with are written into the metadata
# log when storage is formatted, so a formatted deployment cannot change its mode.

security=none

resolve_security() {
  local saved="" wanted="${KAFKA_SECURITY:-}"
  if [[ -f "$root/security" ]]; then
    saved="$(<"$root/security")"
  elif [[ $deployment == single && -f "$data/logs/meta.properties" ]]; then
    # Formatted before this script knew security: plain.
    saved=none
  fi
  if [[ -n "$saved" && -n "$wanted" && "$wanted" != "$saved" ]]; then
    die "$root was formatted with KAFKA_SECURITY=$saved; stop it and remove the folder (or use another) to change that"
  fi
  security="${saved:-${wanted:-none}}"
  case "$security" in
    none | sasl | sasl_ssl) ;;
    *) die "KAFKA_SECURITY must be none, sasl or sasl_ssl (not '$security')" ;;
  esac
}

secured() { [[ $security != none ]]; }

client_protocol() { if [[ $security == sasl_ssl ]]; then echo SASL_SSL; else echo SASL_PLAINTEXT; fi; }

# 160 random bits as hex: no character needs quoting in JAAS, in --add-scram or in an env file.
new_password() { od -An -tx1 -N20 /dev/urandom | tr -d ' \n'; }

password_of() {
  local file="$root/secrets/$1.password"
  [[ -s "$file" ]] || die "no password for $1 in $root/secrets (was this deployment started with KAFKA_SECURITY?)"
  cat "$file"
}

prepare_security() {
  secured || return 0
  mkdir -p "$root/secrets"
  chmod 700 "$root/secrets"
  local user
  for user in admin "${hub_users[@]}"; do
    if [[ ! -s "$root/secrets/$user.password" ]]; then
      (umask 077 && new_password >"$root/secrets/$user.password")
    fi
  done
  if [[ $security == sasl_ssl ]]; then
    # shellcheck disable=SC2086 # a list of names
    bash "$here/make-ca.sh" "$root/tls" ${KAFKA_TLS_NAMES:-}
  fi
  (
    umask 077
    {
      echo "security.protocol=$(client_protocol)"
      echo "sasl.mechanism=SCRAM-SHA-512"
      echo "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(password_of admin)\";"
      if [[ $security == sasl_ssl ]]; then
        echo "ssl.truststore.type=PEM"
        echo "ssl.truststore.location=$root/tls/ca.crt"
      fi
    } >"$root/secrets/admin.properties"
  )
}

# ---------------------------------------------------------------------------------------------------
# Node configuration, storage, processes.

write_config() {
  mkdir -p "$node_dir/logs"
  local rf=1 min_isr=1 client=PLAINTEXT map listeners=()
  if [[ $deployment == cluster ]]; then rf=3 min_isr=2; fi
  if secured; then
    client=CLIENT
    map="CLIENT:$(client_protocol),CONTROLLER:$(client_protocol)"
  else
    map="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  fi
  [[ -n "$node_port" ]] && listeners+=("$client://127.0.0.1:$node_port")
  [[ -n "$node_cport" ]] && listeners+=("CONTROLLER://127.0.0.1:$node_cport")
  {
    echo "# Written by infra/kafka/kafka.sh; edit the script, not this file."
    echo "process.roles=$node_roles"
    echo "node.id=$node_id"
    echo "controller.quorum.voters=$voters"
    echo "listeners=$(
      IFS=,
      echo "${listeners[*]}"
    )"
    if [[ -n "$node_port" ]]; then
      echo "advertised.listeners=$client://127.0.0.1:$node_port"
      echo "inter.broker.listener.name=$client"
    fi
    echo "controller.listener.names=CONTROLLER"
    echo "listener.security.protocol.map=$map"
    echo "log.dirs=$node_dir/logs"
    cat <<EOF
num.partitions=${KAFKA_PARTITIONS:-6}
# The hub provisions its topics explicitly (with their retention); a typo must not create a topic.
auto.create.topics.enable=false
default.replication.factor=$rf
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
# A lost replica must never become leader: that would drop acknowledged records.
unclean.leader.election.enable=false
# No reason to wait for more group members before the first rebalance.
group.initial.rebalance.delay.ms=0
# Clean shutdown moves leadership away first; a crash (kill) is what the fault tests are for.
controlled.shutdown.enable=true
delete.topic.enable=true
EOF
    if [[ $deployment == cluster ]]; then
      cat <<EOF
# Four JVMs share two cores with everything else: fewer threads than the defaults (3 network,
# 8 I/O, 10 background) do the same work with less scheduling.
num.network.threads=2
num.io.threads=3
background.threads=3
num.recovery.threads.per.data.dir=1
EOF
    fi
    if secured; then
      local admin
      admin="$(password_of admin)"
      cat <<EOF
# Clients and brokers (inter-broker traffic) authenticate with SCRAM-SHA-512; the credentials live
# in the metadata log (the brokers' own was added when storage was formatted).
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin";
# The controller listener cannot use SCRAM: controllers must authenticate brokers before they have
# read the metadata log that holds the credentials. PLAIN with the one static user instead.
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin" user_admin="$admin";
# ACLs in the metadata log; only the brokers' own principal is a super user, and without an ACL
# nobody else may do anything.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
EOF
    fi
    if [[ $security == sasl_ssl ]]; then
      cat <<EOF
ssl.keystore.type=PEM
ssl.keystore.location=$root/tls/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$root/tls/ca.crt
ssl.endpoint.identification.algorithm=https
ssl.client.auth=none
EOF
    fi
  } >"$conf"
  chmod 600 "$conf"
}

# A Kafka cluster id: 16 random bytes, base64url without padding (what `kafka-storage random-uuid`
# prints, without starting a JVM). Kafka never hands out one starting with '-' (it would read as a
# command-line flag), so neither does this.
new_cluster_id() {
  local id="-"
  while [[ "$id" == -* ]]; do id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"; done
  echo "$id"
}

format_storage() {
  formatted && return 0
  local args=(format --ignore-formatted -t "$1" -c "$conf") user
  if secured; then
    for user in admin "${hub_users[@]}"; do
      args+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(password_of "$user")]")
    done
  fi
  tool 256m kafka.tools.StorageTool "${args[@]}" >>"$log" 2>&1
}

spawn() {
  mkdir -p "$node_dir"
  # setsid: the node must outlive the shell (and npm) that started it, and Ctrl-C in that terminal
  # must not reach it; stop and kill are the only ways it goes down.
  # shellcheck disable=SC2086 # KAFKA_JVM_OPTS is a list of flags
  setsid "$(java_bin)" -Xms"$node_heap" -Xmx"$node_heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    ${KAFKA_JVM_OPTS:-} -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$node_dir" \
    -cp "$lib/*" kafka.Kafka "$conf" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# What BrokerApiVersionsCommand prints for the brokers reachable through $1: a line per broker that
# serves metadata, "host:port (id: N rack: ...) -> (" followed by its API versions. A TCP connect is
# not enough: the port opens before the broker has registered with the controller.
api_versions() {
  local args=(--bootstrap-server "$1")
  secured && args+=(--command-config "$root/secrets/admin.properties")
  tool 128m org.apache.kafka.tools.BrokerApiVersionsCommand "${args[@]}" 2>/dev/null
}

# wait_for_brokers BOOTSTRAP ID...: until every ID serves, a listed node died, or the timeout.
wait_for_brokers() {
  local bootstrap="$1" timeout="${KAFKA_START_TIMEOUT_S:-90}" out id missing node
  shift
  local deadline=$((SECONDS + timeout))
  for (( ; ; )); do
    out="$(api_versions "$bootstrap" || true)"
    missing=()
    for id in "$@"; do grep -qE "\(id: $id .*-> \(" <<<"$out" || missing+=("$id"); done
    ((${#missing[@]} == 0)) && return 0
    for node in "${waiting_on[@]}"; do
      select_node "$node"
      if ! running_pid >/dev/null; then
        echo "kafka: $node_name exited during start; last lines of $log:" >&2
        tail -n 30 "$log" >&2
        exit 1
      fi
    done
    if ((SECONDS > deadline)); then
      die "broker(s) ${missing[*]} not ready after ${timeout}s; see the broker.log files under ${root}"
    fi
    sleep 1
  done
}
waiting_on=()

# stop_node: SIGTERM, wait, SIGKILL only after KAFKA_STOP_TIMEOUT_S.
stop_node() {
  local pid prefix="kafka:"
  [[ $deployment == cluster ]] && prefix="kafka: $node_name"
  if ! pid="$(running_pid)"; then
    echo "$prefix not running"
    rm -f "$pidfile"
    return 0
  fi
  echo "$prefix stopping (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + ${KAFKA_STOP_TIMEOUT_S:-30}))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      echo "$prefix no clean stop after ${KAFKA_STOP_TIMEOUT_S:-30}s, killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$pidfile"
  echo "$prefix stopped"
}

# ---------------------------------------------------------------------------------------------------
# The single broker.

start() {
  use_single
  select_node single
  if pid="$(running_pid)"; then
    echo "kafka: already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  fetch
  mkdir -p "$data"
  resolve_security
  prepare_security
  write_config
  if ! formatted; then
    echo "$security" >"$root/security"
    format_storage "$(new_cluster_id)"
  fi
  echo "kafka: starting on 127.0.0.1:$port (data $data, log $log)"
  spawn
  waiting_on=(single)
  wait_for_brokers "127.0.0.1:$port" 1
  if secured; then
    echo "kafka: ready on 127.0.0.1:$port (security $security)"
  else
    echo "kafka: ready on 127.0.0.1:$port"
  fi
}

stop() {
  use_single
  select_node single
  stop_node
}

status() {
  use_single
  select_node single
  if pid="$(running_pid)"; then
    echo "kafka: running (pid $pid) on 127.0.0.1:$port"
  else
    echo "kafka: not running"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------------
# The cluster. One dedicated controller rather than three combined broker+controller nodes: with
# combined nodes, killing two of three also loses the controller quorum, and without a controller
# nobody shrinks the ISR, so producers time out instead of being refused with NOT_ENOUGH_REPLICAS.
# A controller of its own keeps the metadata alive whichever brokers die, which is what fault tests
# exercise (a production cluster would run three controllers; two more JVMs on two cores is not
# worth it here).

cluster_start() {
  use_cluster
  fetch
  mkdir -p "$cluster_dir"
  resolve_security
  prepare_security
  [[ -f "$cluster_dir/security" ]] || echo "$security" >"$cluster_dir/security"
  [[ -s "$cluster_dir/cluster.id" ]] || new_cluster_id >"$cluster_dir/cluster.id"
  local id node formats=() p
  id="$(<"$cluster_dir/cluster.id")"
  for node in "${cluster_nodes[@]}"; do
    select_node "$node"
    write_config
    if ! formatted; then
      format_storage "$id" &
      formats+=($!)
    fi
  done
  for p in "${formats[@]}"; do wait "$p" || die "formatting storage failed; see the broker.log files under $cluster_dir"; done
  local started=()
  for node in "${cluster_nodes[@]}"; do
    select_node "$node"
    if ! running_pid >/dev/null; then
      spawn
      started+=("$node_name")
    fi
  done
  if ((${#started[@]} > 0)); then
    echo "kafka: starting ${started[*]} (data $cluster_dir, security $security)"
  fi
  waiting_on=("${cluster_nodes[@]}")
  wait_for_brokers "$(brokers)" 1 2 3
  echo "kafka: cluster ready on $(brokers)"
}

cluster_stop() {
  use_cluster
  local node pids=() p
  # Brokers first, together: their controlled shutdown needs the controller.
  for node in 1 2 3; do
    select_node "$node"
    stop_node &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  select_node controller
  stop_node
}

cluster_status() {
  use_cluster
  local node pid all=0
  for node in "${cluster_nodes[@]}"; do
    select_node "$node"
    if pid="$(running_pid)"; then
      echo "kafka: $node_name running (pid $pid) on 127.0.0.1:${node_port:-$node_cport}"
    else
      echo "kafka: $node_name not running (127.0.0.1:${node_port:-$node_cport})"
      all=1
    fi
  done
  return "$all"
}

cluster_kill() {
  use_cluster
  select_node "${1:?usage: kafka.sh cluster kill N}"
  local pid
  if ! pid="$(running_pid)"; then
    echo "kafka: $node_name not running"
    return 0
  fi
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$pidfile"
  echo "kafka: $node_name killed (pid $pid)"
}

cluster_restart() {
  use_cluster
  local node="${1:?usage: kafka.sh cluster restart N}" pid name
  select_node "$node"
  name="$node_name"
  formatted || die "$name has no storage yet; run kafka.sh cluster start"
  resolve_security
  if pid="$(running_pid)"; then
    echo "kafka: $name already running (pid $pid)"
  else
    write_config
    spawn
    echo "kafka: $name starting"
  fi
  waiting_on=("$node")
  if [[ "$node" == controller ]]; then
    # Only brokers answer clients: the controller is back once every running broker serves again.
    local running=() n
    for n in 1 2 3; do
      select_node "$n"
      running_pid >/dev/null && running+=("$n")
    done
    ((${#running[@]} > 0)) || die "no broker is running to check the controller with"
    wait_for_brokers "$(brokers)" "${running[@]}"
  else
    wait_for_brokers "127.0.0.1:$node_port" "$node"
  fi
  echo "kafka: $name ready"
}

# ---------------------------------------------------------------------------------------------------
# Principals and ACLs. Lines in KafkaAccess.java's format:
#   scram USER PASSWORD | allow PRINCIPAL OPS TYPE PATTERN NAME | disallow (same) | unscram USER | list
# READ and WRITE on a topic include DESCRIBE; CREATE is there because every service creates the
# topics it needs when they are missing (ensureTopics), whichever starts first. The topic and group
# names follow the code: domain topics per caseDomains (events/src), the registry's state topics,
# ingress/rejects per Kafka-native system, and the consumer groups each service names.

hub_acl_lines() {
  local p="${KAFKA_TOPIC_PREFIX:-}" d
  local domains=(wmo omgevingswet)
  local systems="${p}ketenhub.registry.systems" subscriptions="${p}ketenhub.registry.subscriptions"
  # The projection's version groups are `<PROJECTION_GROUP_ID>-v<N>`, without the topic prefix.
  local projection_group="${PROJECTION_GROUP_ID:-ketenhub-projection}"
  local dispatcher_group="${p}${DISPATCHER_GROUP_ID:-ketenhub-dispatcher}"

  echo "# gateway: writes accepted events, reads them back (case book), reads the systems topic,"
  echo "# forwards Kafka-native systems' ingress and writes their rejects"
  for d in "${domains[@]}"; do echo "allow User:gateway READ,WRITE,CREATE TOPIC LITERAL $p$d"; done
  echo "allow User:gateway READ,CREATE TOPIC LITERAL $systems"
  echo "allow User:gateway READ,CREATE TOPIC PREFIXED ${p}ingress."
  echo "allow User:gateway WRITE,CREATE TOPIC PREFIXED ${p}rejects."
  echo "# gateway-access (case book), gateway-systems-<pid>-<t> (directory), gateway-ingress.<id>"
  echo "allow User:gateway READ GROUP PREFIXED ${p}gateway-"

  echo "# projection: reads the domain topics, writes termijn-verstreken to them, reads the systems topic"
  for d in "${domains[@]}"; do echo "allow User:projection READ,WRITE,CREATE TOPIC LITERAL $p$d"; done
  echo "allow User:projection READ,CREATE TOPIC LITERAL $systems"
  echo "# <group>-v<N> per projection version (deleted when a version is dropped), projection-systems-<pid>-<t>"
  echo "allow User:projection READ,DELETE GROUP PREFIXED ${projection_group}-v"
  echo "allow User:projection READ GROUP PREFIXED ${p}projection-"

  echo "# dispatcher: reads the domain topics and the subscriptions topic"
  for d in "${domains[@]}"; do echo "allow User:dispatcher READ,CREATE TOPIC LITERAL $p$d"; done
  echo "allow User:dispatcher READ,CREATE TOPIC LITERAL $subscriptions"
  echo "allow User:dispatcher READ GROUP LITERAL $dispatcher_group"
  echo "# dispatcher-replay-<uuid> (deleted after a replay), dispatcher-subscriptions-<pid>-<t>"
  echo "allow User:dispatcher READ,DELETE GROUP PREFIXED ${p}dispatcher-replay-"
  echo "allow User:dispatcher READ GROUP PREFIXED ${p}dispatcher-subscriptions-"

  echo "# registry: writes both state topics, creates each Kafka-native system's ingress and rejects topics"
  echo "allow User:registry WRITE,CREATE TOPIC LITERAL $systems"
  echo "allow User:registry WRITE,CREATE TOPIC LITERAL $subscriptions"
  echo "allow User:registry CREATE,DESCRIBE TOPIC PREFIXED ${p}ingress."
  echo "allow User:registry CREATE,DESCRIBE TOPIC PREFIXED ${p}rejects."
}

# system_acl_lines ID VERB: what a Kafka-native system may do, and nothing else. Its consumer group
# is one literal name, so no system can join another's group or read under its name.
system_acl_lines() {
  local id="$1" verb="$2" p="${KAFKA_TOPIC_PREFIX:-}"
  echo "$verb User:system-$id WRITE TOPIC LITERAL ${p}ingress.$id"
  echo "$verb User:system-$id READ TOPIC LITERAL ${p}rejects.$id"
  echo "$verb User:system-$id READ GROUP LITERAL ${p}system-$id"
}

has_javac() {
  local java
  java="$(readlink -f "$(java_bin)")"
  [[ -x "$(dirname "$java")/javac" ]]
}

# Applies lines from stdin: with KafkaAccess.java in one JVM when a JDK is there, else (a JRE, the
# apache/kafka image) with kafka-configs and kafka-acls, one JVM per line.
apply_access() {
  local bootstrap="${KAFKA_BOOTSTRAP:-$(brokers)}" props="${KAFKA_ADMIN_PROPERTIES:-$root/secrets/admin.properties}"
  [[ -f "$props" ]] || die "no admin client properties at $props (start the deployment with KAFKA_SECURITY first)"
  if [[ "${KAFKA_ACCESS_TOOL:-}" != cli ]] && has_javac; then
    tool 256m "$here/KafkaAccess.java" "$bootstrap" "$props"
    return
  fi
  local f
  while read -r -a f; do
    ((${#f[@]} == 0)) && continue
    [[ "${f[0]}" == \#* ]] && continue
    case "${f[0]}" in
      scram)
        cli_tool kafka-configs org.apache.kafka.tools.ConfigCommand --bootstrap-server "$bootstrap" --command-config "$props" \
          --alter --entity-type users --entity-name "${f[1]}" --add-config "SCRAM-SHA-512=[iterations=4096,password=${f[2]}]"
        ;;
      unscram)
        cli_tool kafka-configs org.apache.kafka.tools.ConfigCommand --bootstrap-server "$bootstrap" --command-config "$props" \
          --alter --entity-type users --entity-name "${f[1]}" --delete-config SCRAM-SHA-512 || true
        ;;
      allow | disallow)
        local ops=() op resource
        IFS=, read -r -a ops <<<"${f[2]}"
        local args=(--bootstrap-server "$bootstrap" --command-config "$props" --resource-pattern-type "${f[4],,}")
        if [[ "${f[0]}" == allow ]]; then args+=(--add); else args+=(--remove --force); fi
        args+=(--allow-principal "${f[1]}")
        for op in "${ops[@]}"; do args+=(--operation "$op"); done
        case "${f[3]}" in
          TOPIC) resource=--topic ;;
          GROUP) resource=--group ;;
          TRANSACTIONAL_ID) resource=--transactional-id ;;
          *) die "no CLI resource for ${f[3]}" ;;
        esac
        cli_tool kafka-acls org.apache.kafka.tools.AclCommand "${args[@]}" "$resource" "${f[5]}" >/dev/null
        ;;
      list) cli_tool kafka-acls org.apache.kafka.tools.AclCommand --bootstrap-server "$bootstrap" --command-config "$props" --list ;;
      *) die "unknown access line: ${f[*]}" ;;
    esac
  done
}

# cli_tool SCRIPT CLASS ARGS...: Kafka's own script when KAFKA_HOME has one, else the class on the jars.
cli_tool() {
  local script="$1" class="$2"
  shift 2
  if [[ -n "${KAFKA_HOME:-}" && -x "$KAFKA_HOME/bin/$script.sh" ]]; then
    "$KAFKA_HOME/bin/$script.sh" "$@"
  else
    tool 256m "$class" "$@"
  fi
}

valid_system_id() {
  [[ "$1" =~ ^[A-Za-z0-9._-]{1,200}$ ]] || die "a system id is 1-200 letters, digits, '.', '_' or '-' (it is part of topic names)"
}

acl() {
  local sub="${1:-}"
  if [[ "$sub" == print ]]; then
    hub_acl_lines
    return
  fi
  if [[ -z "${KAFKA_ADMIN_PROPERTIES:-}" ]]; then
    resolve_security
    secured || die "$root runs without security (KAFKA_SECURITY=none): there are no principals to set up"
  fi
  # With KAFKA_HOME (the apache/kafka image) its tools are used; nothing to fetch.
  [[ -n "${KAFKA_HOME:-}" ]] || fetch
  case "$sub" in
    setup)
      {
        local user
        for user in "${hub_users[@]}"; do echo "scram $user $(password_of "$user")"; done
        hub_acl_lines
      } | apply_access
      ;;
    system)
      local id="${2:?usage: kafka.sh acl system ID}" password
      valid_system_id "$id"
      password="$(new_password)"
      {
        echo "scram system-$id $password"
        system_acl_lines "$id" allow
      } | apply_access >/dev/null
      local p="${KAFKA_TOPIC_PREFIX:-}"
      echo "kafka: principal system-$id may write ${p}ingress.$id and read ${p}rejects.$id (consumer group ${p}system-$id)"
      echo "KAFKA_SASL_MECHANISM=scram-sha-512"
      echo "KAFKA_SASL_USERNAME=system-$id"
      echo "KAFKA_SASL_PASSWORD=$password"
      echo "kafka: the password is shown only now; running this again replaces it" >&2
      ;;
    remove-system)
      local id="${2:?usage: kafka.sh acl remove-system ID}"
      valid_system_id "$id"
      {
        system_acl_lines "$id" disallow
        echo "unscram system-$id"
      } | apply_access
      ;;
    list) echo list | apply_access ;;
    *) die "usage: kafka.sh [cluster] acl setup|system ID|remove-system ID|list|print" ;;
  esac
}

# The KAFKA_* settings a service (or a test) needs to reach this deployment as USER.
print_env() {
  local user="${1:-}"
  resolve_security
  echo "KAFKA_BROKERS=$(brokers)"
  if [[ $deployment == cluster ]]; then
    echo "KAFKA_REPLICATION_FACTOR=3"
    echo "KAFKA_MIN_INSYNC_REPLICAS=2"
  fi
  if secured && [[ -n "$user" ]]; then
    echo "KAFKA_SASL_MECHANISM=scram-sha-512"
    echo "KAFKA_SASL_USERNAME=$user"
    echo "KAFKA_SASL_PASSWORD=$(password_of "$user")"
  fi
  if [[ $security == sasl_ssl ]]; then
    printf 'KAFKA_TLS_CA_FILE=%q\n' "$root/tls/ca.crt"
  fi
}

usage() {
  echo "usage: $0 fetch|start|stop|status|env [USER]|acl ..." >&2
  echo "       $0 cluster start|stop|status|kill N|restart N|env [USER]|acl ..." >&2
  exit 2
}

if [[ "${1:-}" == cluster ]]; then
  shift
  case "${1:-}" in
    start) cluster_start ;;
    stop) cluster_stop ;;
    status) cluster_status ;;
    kill) cluster_kill "${2:-}" ;;
    restart) cluster_restart "${2:-}" ;;
    env)
      use_cluster
      print_env "${2:-}"
      ;;
    acl)
      use_cluster
      shift
      acl "$@"
      ;;
    *) usage ;;
  esac
else
  case "${1:-}" in
    fetch) fetch ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    env)
      use_single
      print_env "${2:-}"
      ;;
    acl)
      use_single
      shift
      acl "$@"
      ;;
    *) usage ;;
  esac
fi
