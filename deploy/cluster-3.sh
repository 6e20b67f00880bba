#!/usr/bin/env bash
# A three-hall Tongban cluster on one machine: Changzhou Wujin (wujin), Nanjing Gulou (gulou) and
# Shanghai Qingpu (qingpu), each a separate JVM with its own data directory, HTTP port and node name,
# joined on loopback, the event bus between them on TLS with certificates from a cluster CA made here
# once. See docs/cluster.md.
#
#   deploy/cluster-3.sh start     build material if missing, start the three nodes, wait until healthy
#   deploy/cluster-3.sh stop      stop them (SIGTERM, then SIGKILL after 20 s)
#   deploy/cluster-3.sh status    /health of each node
#   deploy/cluster-3.sh kill NODE kill one node hard (SIGKILL) to watch its clients fail over
#   deploy/cluster-3.sh start-node NODE   start one (e.g. killed) node again
#
# Environment (the variables of TONGBAN_ENV_FILE first, then the caller's own, which win):
#   TONGBAN_ENV_FILE     an env file as deploy/tongban.env (the default): its settings apply to every node
#                        (database, PKI, TSA, media mode, SMS token, TONGBAN_JAVA_OPTS), except what this script
#                        sets per node on the command line (port, host, data directory, node name, public URL,
#                        cluster ports, media port, secrets). Its TONGBAN_ARGS (the production proxy and
#                        TURN server) is not used.
#   TONGBAN_JAR          the jar (default signaling/target/tongban.jar; build: ./mvnw -q package -DskipTests)
#   TONGBAN_CLUSTER_DIR  where data, keys and logs go (default ./cluster-3)
#   TONGBAN_DB_URL, TONGBAN_DB_USER, TONGBAN_DB_PASSWORD
#                        one PostgreSQL database shared by the three nodes: the production setup (cases,
#                        audit journal, accounts and secrets shared). Without it each node keeps its own
#                        H2 database: fine for trying failover, but cases, the audit journal and password
#                        changes are then per node.
#   JAVA_OPTS            JVM options (default TONGBAN_JAVA_OPTS of the env file with the heap cut to -Xmx384m:
#                        three nodes share this machine)
#   TONGBAN_START_TIMEOUT  seconds to wait for a node that is still running but not yet serving (default
#                        600: a loaded machine takes minutes; a node that exits is reported at once)
#   TONGBAN_HTTP_BASE, TONGBAN_HZ_BASE, TONGBAN_BUS_BASE, TONGBAN_MEDIA_BASE
#                        first HTTP, Hazelcast and event-bus port and media bridge UDP port (defaults 8081,
#                        5701, 5801, 10001; +1, +2 for the other nodes)
set -euo pipefail

cd "$(dirname "$0")/.."
# The env file's settings, exported to the nodes; the caller's TONGBAN_* variables are put back over them.
ENV_FILE=${TONGBAN_ENV_FILE:-deploy/tongban.env}
[ -f "$ENV_FILE" ] || { echo "cluster-3: no env file $ENV_FILE" >&2; exit 1; }
caller=$(export -p | grep -E '^declare -x TONGBAN_[A-Z0-9_]+=' || true)
set -a
# shellcheck source=deploy/tongban.env
. "$ENV_FILE"
set +a
eval "$caller"
unset TONGBAN_ARGS
JAR=${TONGBAN_JAR:-signaling/target/tongban.jar}
DIR=${TONGBAN_CLUSTER_DIR:-cluster-3}
JAVA_OPTS=${JAVA_OPTS:-${TONGBAN_JAVA_OPTS:-} -Xmx384m}
NODES=(wujin gulou qingpu)
# Ports: HTTP 8081-8083, Hazelcast 5701-5703, event bus 5801-5803, media bridge UDP 10001-10003 unless
# the bases are set (each node carries the media of the sessions its clerks take).
HTTP_BASE=${TONGBAN_HTTP_BASE:-8081}
HZ_BASE=${TONGBAN_HZ_BASE:-5701}
BUS_BASE=${TONGBAN_BUS_BASE:-5801}
MEDIA_BASE=${TONGBAN_MEDIA_BASE:-10001}
declare -A HTTP_PORT HZ_PORT BUS_PORT MEDIA_PORT
i=0
for n in "${NODES[@]}"; do
  HTTP_PORT[$n]=$((HTTP_BASE + i)); HZ_PORT[$n]=$((HZ_BASE + i)); BUS_PORT[$n]=$((BUS_BASE + i))
  MEDIA_PORT[$n]=$((MEDIA_BASE + i))
  i=$((i + 1))
done
CLUSTER_NAME=tongban-yrd-demo

die() { echo "cluster-3: $*" >&2; exit 1; }

tongban() { java $JAVA_OPTS -jar "$JAR" "$@"; }

# A random secret, base64, from the OS.
secret() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }

material() {
  [ -f "$JAR" ] || die "no $JAR; build it first: ./mvnw -q package -DskipTests"
  mkdir -p "$DIR/ca"
  chmod 700 "$DIR/ca"
  if [ ! -f "$DIR/ca/cluster-ca.p12" ]; then
    secret > "$DIR/ca/ca.password"
    secret > "$DIR/ca/node.password"
    chmod 600 "$DIR/ca/"*.password
    TONGBAN_CLUSTER_CA_PASSWORD=$(cat "$DIR/ca/ca.password") \
      tongban cluster-ca init --ca "$DIR/ca/cluster-ca.p12" --name "$CLUSTER_NAME"
  fi
  for n in "${NODES[@]}"; do
    mkdir -p "$DIR/$n"
    if [ ! -f "$DIR/$n/cluster-tls.p12" ]; then
      TONGBAN_CLUSTER_CA_PASSWORD=$(cat "$DIR/ca/ca.password") \
      TONGBAN_CLUSTER_TLS_PASSWORD=$(cat "$DIR/ca/node.password") \
        tongban cluster-ca issue --ca "$DIR/ca/cluster-ca.p12" --node "$n" --host 127.0.0.1 \
          --out "$DIR/$n/cluster-tls.p12"
    fi
  done
}

start_node() {
  local n=$1 members=()
  for m in "${NODES[@]}"; do members+=(--cluster-member "127.0.0.1:${HZ_PORT[$m]}"); done
  if [ -f "$DIR/$n.pid" ] && kill -0 "$(cat "$DIR/$n.pid")" 2>/dev/null; then
    echo "$n is running (pid $(cat "$DIR/$n.pid"))"
    return
  fi
  TONGBAN_CLUSTER_TLS_PASSWORD=$(cat "$DIR/ca/node.password") \
    nohup java $JAVA_OPTS -jar "$JAR" serve --demo \
      --node-name "$n" --data-dir "$DIR/$n" --secrets "$DIR/ca/secrets.p12" \
      --host 127.0.0.1 --port "${HTTP_PORT[$n]}" --public-url "http://127.0.0.1:${HTTP_PORT[$n]}" \
      --cluster-name "$CLUSTER_NAME" --cluster-host 127.0.0.1 --cluster-port "${HZ_PORT[$n]}" \
      --event-bus-port "${BUS_PORT[$n]}" --cluster-tls "$DIR/$n/cluster-tls.p12" \
      --media-port "${MEDIA_PORT[$n]}" \
      "${members[@]}" \
      >> "$DIR/$n.log" 2>&1 &
  echo $! > "$DIR/$n.pid"
  echo "$n starting (pid $!, http://127.0.0.1:${HTTP_PORT[$n]}/, log $DIR/$n.log)"
}

# Waits on the node's /health, not on a clock: "any" until it answers at all (listening), "200" until it
# serves, "members" until it serves with all three members. Gives up when the process exits, or after
# TONGBAN_START_TIMEOUT seconds.
wait_node() {
  local n=$1 want=$2 deadline=$((SECONDS + ${TONGBAN_START_TIMEOUT:-600})) code body next=$((SECONDS + 15))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$(cat "$DIR/$n.pid")" 2>/dev/null || die "$n exited; see $DIR/$n.log"
    body=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:${HTTP_PORT[$n]}/health" || true)
    code=${body##*$'\n'}
    [ -n "$code" ] || code=000
    if [ "$want" = any ] && [ "$code" != 000 ]; then return; fi
    if [ "$want" = 200 ] && [ "$code" = 200 ]; then return; fi
    if [ "$want" = members ] && [ "$code" = 200 ] && [[ "$body" == *"\"members\":${#NODES[@]}"* ]]; then return; fi
    if [ $SECONDS -ge $next ]; then
      echo "$n: still starting (/health: $code)"
      next=$((SECONDS + 15))
    fi
    sleep 0.5
  done
  die "$n not ready after ${TONGBAN_START_TIMEOUT:-600} s (last /health status $code); see $DIR/$n.log"
}

status() {
  for n in "${NODES[@]}"; do
    printf '%-7s ' "$n"
    if out=$(curl -s -w ' (%{http_code})' "http://127.0.0.1:${HTTP_PORT[$n]}/health"); then echo "$out"; else echo down; fi
  done
}

stop_node() {
  local n=$1 pid
  [ -f "$DIR/$n.pid" ] || return 0
  pid=$(cat "$DIR/$n.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$DIR/$n.pid"
}

case "${1:-start}" in
  start)
    material
    [ -n "${TONGBAN_DB_URL:-}" ] || echo "cluster-3: no TONGBAN_DB_URL: each node keeps its own H2 database (see docs/cluster.md)"
    # The first node leads; the others join it together (members started at the same instant race to lead).
    start_node wujin
    wait_node wujin any
    start_node gulou
    start_node qingpu
    for n in "${NODES[@]}"; do wait_node "$n" members; done
    status
    echo "Applicant: http://127.0.0.1:${HTTP_PORT[wujin]}/  Clerk: http://127.0.0.1:${HTTP_PORT[gulou]}/clerk  (any node serves both)"
    ;;
  start-node)
    [ -n "${2:-}" ] || die "which node?"
    start_node "$2"
    wait_node "$2" 200
    ;;
  stop)
    for n in "${NODES[@]}"; do stop_node "$n"; done
    ;;
  kill)
    [ -n "${2:-}" ] && [ -f "$DIR/$2.pid" ] || die "which running node?"
    kill -9 "$(cat "$DIR/$2.pid")"
    rm -f "$DIR/$2.pid"
    echo "$2 killed"
    ;;
  status)
    status
    ;;
  *)
    die "usage: $0 start|stop|status|kill NODE|start-node NODE"
    ;;
esac
