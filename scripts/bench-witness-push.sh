#!/usr/bin/env bash
# Usage: scripts/bench-witness-push.sh BIN DIR [N] — a devnet in DIR with validator 0 killed, two
# witnesses named by governance; N registrations one after the other, each timed from the moment
# `proof register` returns (finalized) until a live validator serves a witnessed checkpoint that
# covers it (GET /v1/log/witnessed). Prints one latency in ms per registration, then p50/max.
set -u
BIN=$1; DIR=$2; N=${3:-10}; P2P=${P2P:-7400}; API=${API:-8400}; W=${W:-7390}
rm -rf "$DIR"; mkdir -p "$DIR/work"
$BIN devnet up --dir "$DIR/devnet" --detach --p2p-port $P2P --api-port $API >/dev/null
C="$DIR/devnet/client.toml"
trap '$BIN devnet down --dir "$DIR/devnet" >/dev/null 2>&1; kill $(jobs -p) 2>/dev/null' EXIT
for i in 1 2; do
  $BIN key new --plain --insecure-plain-keys --scheme ed25519 --out "$DIR/work/w$i.key" >/dev/null
  $BIN --json --insecure-plain-keys witness serve --key "$DIR/work/w$i.key" --name "witness.example/w$i" --genesis "$DIR/devnet/genesis.toml" \
    --state "$DIR/work/w$i" --listen 127.0.0.1:$((W + i)) > "$DIR/work/w$i.json" 2>/dev/null &
done
sleep 1
{ for i in 1 2; do python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['policy_line'])" "$DIR/work/w$i.json"; done; echo "quorum 2"; } > "$DIR/work/policy.txt"
sleep 2
PIDS=($(cat "$DIR/devnet/devnet.pids")); kill -9 ${PIDS[0]}
$BIN --json gov set-witnesses --client "$C" --policy "$DIR/work/policy.txt" >/dev/null
LIVE="127.0.0.1:$((API + 1))"
for i in $(seq 1 "$N"); do
  echo "document $i $(date +%s%N)" > "$DIR/work/doc$i.txt"
  $BIN --json proof register --client "$C" --out-dir "$DIR/work/proofs" "$DIR/work/doc$i.txt" >/dev/null
  T0=$(date +%s%N)
  SIZE=$(curl -s "http://$LIVE/v1/status" | python3 -c "import json,sys; print(json.load(sys.stdin)['log_size'])")
  while true; do
    GOT=$(curl -s "http://$LIVE/v1/log/witnessed" | sed -n 2p)
    if [ -n "$GOT" ] && [ "$GOT" -ge "$SIZE" ] 2>/dev/null; then break; fi
    sleep 0.02
  done
  echo $(( ($(date +%s%N) - T0) / 1000000 ))
done | tee "$DIR/latencies.txt"
sort -n "$DIR/latencies.txt" | awk '{a[NR]=$1} END {print "p50 " a[int((NR+1)/2)] " ms, max " a[NR] " ms over " NR}'
