#!/usr/bin/env bash
# Usage: scripts/bench-kill.sh BIN DIR — a devnet in DIR, open-loop transfer load, validator 2 kill -9'd for
# 3 s and restarted, then validator 0 (first in client.toml) kill -9'd for good.
set -u
BIN=$1; DIR=$2; P2P=${3:-7300}; API=${4:-8300}
rm -rf "$DIR"
$BIN devnet up --dir "$DIR" --detach --p2p-port $P2P --api-port $API >/dev/null
$BIN --json bench --client "$DIR/client.toml" --scenario transfer --senders 4 --txs 3000 --rate 150 --idle-seconds 0 > "$DIR/bench.json" 2> "$DIR/bench.err" &
BENCH=$!
# wait until the load is flowing (preparation takes ~10 transactions per sender)
sleep 12
PIDS=($(cat "$DIR/devnet.pids"))
kill -9 ${PIDS[2]}; echo "$(date +%T) killed v2"
sleep 3
$BIN node --config "$DIR/v2/node.toml" >> "$DIR/v2/node.log" 2>&1 &
NEW2=$!; echo "$(date +%T) restarted v2"
sleep 4
kill -9 ${PIDS[0]}; echo "$(date +%T) killed v0 for good"
wait $BENCH; echo "bench exit $?"
cat "$DIR/bench.json"
kill $NEW2; $BIN devnet down --dir "$DIR" >/dev/null 2>&1
