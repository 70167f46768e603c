#!/usr/bin/env bash
# Runs the whole test suite: once on SQLite, then the gateway's integration suite again on PostgreSQL, then a short
# chaos run on each database (scripts/chaos).
# As root on Debian it first installs and starts what the tests need (Chromium and zbar-tools for the
# how-to-pay page, PostgreSQL for the second pass and the multi-instance tests, Node.js and npm for the SNAP SDK test). Without them, the tests that
# need them are skipped with a message; with TUNAI_REQUIRE_ALL=1 (CI sets it) they fail instead.
set -euo pipefail
cd "$(dirname "$0")/.."

# The repository must stand on its own: nothing may read a folder beside it or one machine's absolute path.
scripts/check-standalone.sh

root=false
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then root=true; fi

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v zbarimg >/dev/null || need+=(zbar-tools)
# Node.js and npm run the provider's SNAP SDK against the gateway; the test installs the SDK from npm itself.
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ -z "${TUNAI_TEST_POSTGRES:-}" ] && ! command -v pg_ctlcluster >/dev/null; then need+=(postgresql); fi
if [ ${#need[@]} -gt 0 ]; then
  if $root; then
    echo "Installing ${need[*]} ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "Missing ${need[*]}: the tests that need them will be skipped (sudo apt-get install -y ${need[*]})."
  fi
fi

# A local PostgreSQL for the tests (and TUNAI_TEST_POSTGRES) when run as root; see scripts/postgres.sh.
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
echo "== SQLite: every test project =="
dotnet test --configuration Release 2>&1 | tee "$log" || status=$?
if [ -n "${TUNAI_TEST_POSTGRES:-}" ]; then
  echo "== PostgreSQL: the gateway's integration suite on PostgreSQL =="
  # Process tests use SQLite files and the multi-instance tests already ran on PostgreSQL above.
  TUNAI_TEST_PROVIDER=Postgres dotnet test --configuration Release --no-build --project tests/Tunai.Gateway.Tests \
    --filter-not-namespace Tunai.Gateway.Tests.Processes --filter-not-namespace Tunai.Gateway.Tests.MultiInstance \
    2>&1 | tee -a "$log" || status=$?
else
  echo "== PostgreSQL: not run; set TUNAI_TEST_POSTGRES to a connection string of a role with CREATEDB, or run this script as root =="
fi

# Chaos with money (docs/chaos.md): gateways killed with SIGKILL while payments move, then every invariant of the
# money checked; about 2 minutes of traffic each, on SQLite and on a fresh database of the same PostgreSQL server.
# A failing invariant fails the test command.
echo "== Chaos: SQLite =="
scripts/chaos --minutes 2 --database sqlite 2>&1 | tee -a "$log" || status=$?
if [ -n "${TUNAI_TEST_POSTGRES:-}" ]; then
  echo "== Chaos: PostgreSQL, three instances =="
  scripts/chaos --minutes 2 --database postgres 2>&1 | tee -a "$log" || status=$?
fi

# A plain closing line that any reader understands, summed over both passes.
sum() { grep -E "^\s+$1: [0-9]+" "$log" | awk '{s += $2} END {print s + 0}'; }
passed=$(sum succeeded); failed=$(sum failed); skipped=$(sum skipped)
# The failures again, each with the first lines of its message: a long run's output can bury them.
if grep -q "^failed " "$log"; then
  echo "== Failed tests =="
  awk '/^failed / {n = 10; print; next} n > 0 && /^  / {n--; print; next} {n = 0}' "$log"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
