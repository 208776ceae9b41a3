#!/usr/bin/env bash
# Figures for several nodes on one PostgreSQL (ref-server README, "Several
# nodes on one PostgreSQL"): accepted bids/s of one node on SQLite and on
# PostgreSQL, read requests/s through 1, 2 and 3 nodes, failover time after
# kill -9 and SIGSTOP of the leader, and bids/s through the followers of 3
# nodes with the leader's CPU time per bid. With SERVER_BEFORE=<binary> (a
# build from before followers verified) the last figure is taken with it
# too, for comparison. Release builds; needs BITWRK_TEST_POSTGRES
# (eval "$(.ci/postgres.sh start)"). Prints the load average before each.
# KEYS sets the signing keys of the last figure (above the server's key
# cache of 4096, every verification recovers a key); FOLLOWERS_ONLY=1 takes
# only the last figure.
#
#   cargo build --release -p ref-server -p bitwrk-benches --bin bitwrk-server --bin bitwrk-loadgen
#   benches/scripts/cluster-figures.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${BITWRK_TEST_POSTGRES:?set it, e.g. eval \"\$(.ci/postgres.sh start)\"}"
server="${BITWRK_SERVER_BIN:-./target/release/bitwrk-server}"
loadgen="${BITWRK_LOADGEN_BIN:-./target/release/bitwrk-loadgen}"
clients="${CLIENTS:-32}"
requests="${REQUESTS:-200}"
work=$(mktemp -d)
pids=()
dbs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for d in "${dbs[@]}"; do
    psql -q "$BITWRK_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

base="${BITWRK_TEST_POSTGRES%%\?*}"
base="${base%/*}"
newdb() {
  local name="bw_figures_$1_$$"
  psql -q "$BITWRK_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null 2>&1
  dbs+=("$name")
  DBURL="$base/$name"
}

# start NAME DB EXTRA... : starts a server (in this shell, so its pid is
# kept for the cleanup) and sets URL
start() {
  local name=$1 db=$2
  shift 2
  "${SERVER:-$server}" --listen 127.0.0.1:0 --db "$db" --nonce-capacity 1000000 "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  local url=""
  for _ in $(seq 1 200); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$work/$name.out" | head -n 1 || true)
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || { cat "$work/$name.err" >&2; exit 1; }
  URL=$url
}

# waits until a write goes through URL
writable() {
  for _ in $(seq 1 200); do
    # Each attempt at most 0.2 s: a follower still forwarding to a paused
    # leader holds a request until its answer timeout.
    curl -sf -m 0.2 -X POST "$1nonce" >/dev/null && return 0
    sleep 0.02
  done
  return 1
}

field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

# leader_of DB: the node name in the lease row
leader_of() { psql -qAt "$1" -c "SELECT node FROM leader"; }
load() { echo "   (load average: $(cut -d' ' -f1-3 /proc/loadavg))"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

if [ -z "${FOLLOWERS_ONLY:-}" ]; then
echo "== accepted bids/s, one node ($clients clients x $requests bids)"
start sqlite "$work/sqlite.db"
url=$URL
load
printf 'SQLite:     '; "$loadgen" --server "$url" --mode bids --clients "$clients" --requests "$requests" --json | field bids_per_second
newdb bids
start pg1 "$DBURL"
url=$URL
writable "$url"
load
printf 'PostgreSQL: '; "$loadgen" --server "$url" --mode bids --clients "$clients" --requests "$requests" --json | field bids_per_second
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
pids=()

echo "== read requests/s (GET /account/<addr>) through 1, 2, 3 nodes, $clients clients per node"
newdb reads
db=$DBURL
urls=()
for i in 1 2 3; do
  start "r$i" "$db" --node "r$i"
  urls+=("$URL")
done
writable "${urls[0]}"
for n in 1 2 3; do
  outs=()
  for i in $(seq 0 $((n - 1))); do
    "$loadgen" --server "${urls[$i]}" --mode reads --clients "$clients" --requests "$((requests * 5))" --json >"$work/reads-$n-$i.json" &
    outs+=($!)
  done
  for o in "${outs[@]}"; do wait "$o"; done
  total=0
  for i in $(seq 0 $((n - 1))); do
    v=$(field operations_per_second <"$work/reads-$n-$i.json")
    total=$(awk -v a="$total" -v b="$v" 'BEGIN { printf "%.0f", a + b }')
  done
  echo "$n node(s): $total reads/s"
  load
done
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
pids=()

echo "== failover: time from killing / pausing the leader to the first write through a survivor (lease ${LEASE_MS:-2000} ms)"
for how in KILL STOP; do
  newdb "fail_${how,,}"
  db=$DBURL
  declare -A url_of=() pid_of=()
  for i in 1 2 3; do
    start "f$how$i" "$db" --node "f$i" --lease-ms "${LEASE_MS:-2000}"
    url_of[f$i]=$URL
    pid_of[f$i]=${pids[-1]}
  done
  writable "${url_of[f1]}"
  leader=$(leader_of "$db")
  survivor=f3
  [ "$leader" = f3 ] && survivor=f2
  load
  t0=$(now_ms)
  kill -"$how" "${pid_of[$leader]}"
  writable "${url_of[$survivor]}"
  t1=$(now_ms)
  echo "$how of the leader: first write through a survivor after $((t1 - t0)) ms"
  [ "$how" = STOP ] && kill -CONT "${pid_of[$leader]}"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pids=()
done

fi # FOLLOWERS_ONLY

# through_followers BINARY LABEL: 3 nodes; bids sent to the two followers
# only; accepted bids/s in all and the leader's CPU time per bid
through_followers() {
  SERVER=$1
  newdb "fol_$2"
  local db=$DBURL lpid
  local furls=()
  for i in 1 2 3; do
    start "w$2$i" "$db" --node "w$i"
    [ "$i" = 1 ] && { writable "$URL"; lpid=${pids[-1]}; } || furls+=("$URL")
  done
  [ "$(leader_of "$db")" = w1 ] || { echo "w1 does not lead" >&2; exit 1; }
  for u in "${furls[@]}"; do writable "$u"; done
  load
  local c0 t0
  c0=$(cpu_ticks "$lpid")
  t0=$(now_ms)
  local outs=() i=0
  for u in "${furls[@]}"; do
    "$loadgen" --server "$u" --mode bids --clients "$((clients / 2))" --requests "$requests" --keys "${KEYS:-1000}" --json >"$work/fol-$2-$i.json" &
    outs+=($!)
    i=$((i + 1))
  done
  for o in "${outs[@]}"; do wait "$o"; done
  local c1 t1
  c1=$(cpu_ticks "$lpid")
  t1=$(now_ms)
  local bids=0
  for f in "$work"/fol-"$2"-*.json; do
    bids=$((bids + $(field bids_accepted <"$f")))
  done
  local verify
  verify=$(field k256_verify_us <"$work/fol-$2-0.json")
  awk -v b="$bids" -v ms="$((t1 - t0))" -v ticks="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v l="$2" -v v="$verify" \
    'BEGIN { printf "%s: %d bids accepted, %.0f bids/s; leader CPU %.0f us per bid (one k256 verification: %.0f us)\n", l, b, b * 1000 / ms, ticks / hz * 1e6 / b, v }'
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pids=()
  unset SERVER
}

echo "== bids/s through the two followers of 3 nodes ($clients clients in all, ${KEYS:-1000} keys), leader CPU per bid"
if [ -n "${SERVER_BEFORE:-}" ]; then
  through_followers "$SERVER_BEFORE" before
fi
through_followers "$server" after
