# shellcheck shell=bash
# Sourced by scripts/test.sh and bench/run: a local PostgreSQL for the tests and the benchmark. As root on
# Debian (apt-get and pg_ctlcluster present) and with TUNAI_TEST_POSTGRES unset, it starts the first cluster
# (creating one when there is none) as the postgres user, since PostgreSQL refuses to run as root, makes sure
# the role tunai_test exists with CREATEDB (a database per test gateway or benchmark run), and exports
# TUNAI_TEST_POSTGRES. Otherwise it changes nothing.

tunai_local_postgres() {
  local cluster version name port status
  cluster=$(pg_lsclusters -h | head -n 1)
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    pg_createcluster "$version" main >/dev/null
    cluster=$(pg_lsclusters -h | head -n 1)
  fi
  read -r version name port status _ <<<"$cluster"
  [ "$status" = online ] || pg_ctlcluster "$version" "$name" start
  su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_roles WHERE rolname = 'tunai_test'\"" | grep -q 1 \
    || su postgres -c "psql -q -p $port -c \"CREATE ROLE tunai_test LOGIN CREATEDB PASSWORD 'tunai_test'\""
  export TUNAI_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=tunai_test;Password=tunai_test;Database=postgres"
}

if [ -z "${TUNAI_TEST_POSTGRES:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && command -v pg_ctlcluster >/dev/null; then
  tunai_local_postgres
fi
unset -f tunai_local_postgres
