#!/usr/bin/env bash
# Packs the `tunai` command (src/Tunai.Cli, a .NET tool) from this repository and installs it:
#   scripts/install-cli.sh                    # for this user, as a global .NET tool (~/.dotnet/tools on PATH)
#   scripts/install-cli.sh --tool-path DIR    # into DIR instead (DIR/tunai)
#   ... --no-build                            # pack what `dotnet build -c Release` last built (the tests use it, so
#                                             # that no build runs beside the test run's own binaries)
# Running it again replaces the installed one with the repository's current code.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 [--tool-path DIR] [--no-build]" >&2; exit 2; }
where=(--global)
build=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tool-path) [ -n "${2:-}" ] || usage; mkdir -p "$2"; where=(--tool-path "$2"); shift 2 ;;
    --no-build) build=(--no-build); shift ;;
    *) usage ;;
  esac
done

# A version of its own for each pack: NuGet keeps packages by id and version, so a second pack under the same
# version would install the first one again from its cache.
version="1.0.0-local.$(date -u +%Y%m%d%H%M%S)"
packages=$(mktemp -d)
trap 'rm -rf "$packages"' EXIT
dotnet pack src/Tunai.Cli -c Release "${build[@]}" -o "$packages" -p:Version="$version" --nologo -v quiet >/dev/null
dotnet tool uninstall "${where[@]}" Tunai.Cli >/dev/null 2>&1 || true
dotnet tool install "${where[@]}" Tunai.Cli --version "$version" --add-source "$packages" >/dev/null
if [ "${where[0]}" = "--global" ]; then
  echo "Installed tunai ($version) as a global tool. If 'tunai' is not found, add ~/.dotnet/tools to PATH:"
  echo '  export PATH="$PATH:$HOME/.dotnet/tools"'
else
  echo "Installed tunai ($version) in ${where[1]} (run ${where[1]}/tunai)."
fi
