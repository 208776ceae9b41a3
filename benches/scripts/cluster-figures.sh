#!/usr/bin/env bash
# Figures for several nodes on one PostgreSQL (ref-server README, "Several
# nodes on one PostgreSQL"): accepted bids/s of one node on SQLite and on
# PostgreSQL, and read requests/s through 1, 2 and 3 nodes. Release builds;
# needs BITWRK_TEST_POSTGRES (eval "$(.ci/postgres.sh start)").
#
#   cargo build --release -p ref-server -p bitwrk-benches --bin bitwrk-server --bin bitwrk-loadgen
#   benches/scripts/cluster-figures.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${BITWRK_TEST_POSTGRES:?set it, e.g. eval \"\$(.ci/postgres.sh start)\"}"
server=./target/release/bitwrk-server
loadgen=./target/release/bitwrk-loadgen
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
  "$server" --listen 127.0.0.1:0 --db "$db" --nonce-capacity 1000000 "$@" >"$work/$name.out" 2>"$work/$name.err" &
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
    curl -sf -X POST "$1nonce" >/dev/null && return 0
    sleep 0.05
  done
  return 1
}

field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

echo "== accepted bids/s, one node ($clients clients x $requests bids)"
start sqlite "$work/sqlite.db"
url=$URL
printf 'SQLite:     '; "$loadgen" --server "$url" --mode bids --clients "$clients" --requests "$requests" --json | field bids_per_second
newdb bids
start pg1 "$DBURL"
url=$URL
writable "$url"
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
done
