#!/usr/bin/env bash
# The repository stands on its own: no source file, test, script or document may refer to a folder outside
# it (a sibling such as ../shared, or an absolute path of one machine). Run by scripts/test.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\.\./shared|shared/spec|"/(work|home|root|Users|mnt)/|'"'"'/(work|home|root|Users|mnt)/|[[:space:]=]/(work|home|Users)/[[:alnum:]]'
# Tracked and new files alike, minus this script (it names the patterns) and binary fixtures.
hits=$(git ls-files --cached --others --exclude-standard -z \
  | grep -zv -e '^scripts/check-standalone.sh$' -e '\.png$' -e '\.svg$' \
  | xargs -0 grep -nIE "$pattern" 2>/dev/null || true)
if [ -n "$hits" ]; then
  echo "These lines refer to a path outside the repository (copy what is needed into it instead):" >&2
  echo "$hits" >&2
  exit 1
fi
