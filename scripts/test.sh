#!/usr/bin/env bash
# Runs the whole test suite. As root on Debian it first installs what the tests need
# (Chromium for the how-to-pay page, zbar-tools to decode its barcode). With TUNAI_REQUIRE_ALL=1
# (CI sets it) a test that would skip for a missing tool fails instead.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v zbarimg >/dev/null || need+=(zbar-tools)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ${need[*]} ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "Missing ${need[*]}: the tests that need them will be skipped (sudo apt-get install -y ${need[*]})."
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test --configuration Release 2>&1 | tee "$log" || status=$?

# A plain closing line that any reader understands, summed over the test assemblies.
sum() { grep -E "^\s+$1: [0-9]+" "$log" | awk '{s += $2} END {print s + 0}'; }
passed=$(sum succeeded); failed=$(sum failed); skipped=$(sum skipped)
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
