#!/usr/bin/env bash
# Usage: scripts/bench-chaos-schedule.sh BIN DIR — the issue's longer schedule: two of four validators kill -9'd for
# 5 s and restarted (no quorum meanwhile), one SIGSTOPped for 5 s, one restarted with a wiped
# data directory; open-loop transfers from 4 senders throughout.
set -u
BIN=$1; DIR=$2; P2P=${3:-7400}; API=${4:-8400}
rm -rf "$DIR"
$BIN devnet up --dir "$DIR" --detach --p2p-port $P2P --api-port $API >/dev/null
$BIN --json bench --client "$DIR/client.toml" --scenario transfer --senders 4 --txs 4000 --rate 150 --idle-seconds 0 > "$DIR/bench.json" 2> "$DIR/bench.err" &
BENCH=$!
sleep 12
P=($(cat "$DIR/devnet.pids"))
kill -9 ${P[1]} ${P[2]}; echo "$(date +%T) killed v1 v2"
sleep 5
$BIN node --config "$DIR/v1/node.toml" >> "$DIR/v1/node.log" 2>&1 & N1=$!
$BIN node --config "$DIR/v2/node.toml" >> "$DIR/v2/node.log" 2>&1 & N2=$!
echo "$(date +%T) restarted v1 v2"
sleep 4
kill -STOP ${P[3]}; echo "$(date +%T) stopped v3"; sleep 5; kill -CONT ${P[3]}; echo "$(date +%T) resumed v3"
sleep 4
kill -9 ${P[0]}; sleep 0.3; rm -rf "$DIR/v0/data"
$BIN node --config "$DIR/v0/node.toml" >> "$DIR/v0/node.log" 2>&1 & N0=$!
echo "$(date +%T) v0 restarted with a wiped data directory"
wait $BENCH; echo "bench exit $?"
cat "$DIR/bench.json"
kill $N0 $N1 $N2; kill ${P[3]}; sleep 1
