#!/usr/bin/env bash
# Usage: scripts/release.sh [OUT_DIR] — builds the release `vellum` and splits its debug info
# into OUT_DIR/vellum.debug (linked from the binary by .gnu_debuglink, so gdb and backtrace
# tools find it next to the binary); OUT_DIR/vellum is what ships. Prints both sizes.
set -euo pipefail
OUT=${1:-dist}
cargo build --release --locked -p vellum-cli
mkdir -p "$OUT"
TARGET=${CARGO_TARGET_DIR:-target}
cp "$TARGET/release/vellum" "$OUT/vellum.full"
objcopy --only-keep-debug "$OUT/vellum.full" "$OUT/vellum.debug"
objcopy --strip-debug --add-gnu-debuglink="$OUT/vellum.debug" "$OUT/vellum.full" "$OUT/vellum"
rm "$OUT/vellum.full"
chmod 0755 "$OUT/vellum"; chmod 0644 "$OUT/vellum.debug"
ls -l "$OUT/vellum" "$OUT/vellum.debug"
