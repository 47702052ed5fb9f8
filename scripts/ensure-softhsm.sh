#!/usr/bin/env bash
# Prints the path of the SoftHSM2 PKCS#11 module, installing Debian's softhsm2 (and opensc, for
# pkcs11-tool) first when it is missing. Exit 1: it could not be installed.
# Used by the PKCS#11 tests (crates/keys/src/tests.rs, crates/cli/tests/hsm.rs); the same code
# talks to a real HSM through its vendor's module.
set -uo pipefail
MODULE=/usr/lib/softhsm/libsofthsm2.so
if [[ -f "$MODULE" ]] && command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null; then
  echo "$MODULE"; exit 0
fi
SUDO=""
if [[ "$(id -u)" != 0 ]]; then SUDO="sudo -n"; fi
$SUDO apt-get update -qq >&2 || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq softhsm2 opensc >&2 || exit 1
[[ -f "$MODULE" ]] || exit 1
echo "$MODULE"
