#!/usr/bin/env bash
# Usage: scripts/bench-accept-ab.sh NODEBIN TAG RATE THREADS — validators run by NODEBIN, loaded
# by the client $CLIENT (default target/release/vellum): open loop at RATE tx/s with THREADS in flight.
set -u
NODE=$1; TAG=$2; RATE=$3; THREADS=$4; DIR=${TMPDIR:-/tmp}/vellum-ab-$TAG
rm -rf "$DIR"
$NODE devnet up --dir "$DIR" --detach --p2p-port 7700 --api-port 8700 >/dev/null
${CLIENT:-target/release/vellum} --json bench --client "$DIR/client.toml" --scenario transfer --senders 8 --txs 8000 --rate $RATE --threads $THREADS --idle-seconds 0 > "$DIR/r.json"
$NODE devnet down --dir "$DIR" >/dev/null 2>&1
python3 - "$DIR" "$TAG" "$RATE" "$THREADS" <<'PY'
import json,sys
d,tag,rate,th=sys.argv[1:5]
r=json.load(open(f"{d}/r.json"))
print(f"{tag:4} rate {rate} threads {th}  final {r['txs_finalized']}/{r['txs_submitted']}  tx/s {r['finalized_tx_per_s']:.0f}  accept p50 {r['accept_latency_ms']['p50']:.2f} p99 {r['accept_latency_ms']['p99']:.2f} ms  final p50 {r['latency_ms']['p50']:.0f} p99 {r['latency_ms']['p99']:.0f} ms")
PY
