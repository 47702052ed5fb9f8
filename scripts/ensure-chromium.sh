#!/usr/bin/env bash
# Prints the path of a Chromium binary. When none is installed and the run is CI (CI=true) or
# asks for browsers (VELLUM_BROWSER=1), installs Debian's package first. Exit 1: no Chromium.
# Used by the browser tests (crates/api/tests/web.rs, crates/cli/tests/sdk.rs).
set -uo pipefail
find_chromium() {
  for c in chromium chromium-browser; do
    if command -v "$c" >/dev/null && "$c" --version >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  return 1
}
find_chromium && exit 0
if [[ "${CI:-}" != "true" && "${VELLUM_BROWSER:-}" != "1" ]]; then exit 1; fi
apt-get update -qq >&2 || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 || exit 1
find_chromium
