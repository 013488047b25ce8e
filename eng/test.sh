#!/usr/bin/env bash
# Runs every test: installs Azurite (npm) and restores NuGet packages, builds with warnings as errors, checks the
# Bicep templates with the real compiler, then runs all test projects. Tests start their own Azurite processes on
# free loopback ports; anything still running at the end is stopped.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require dotnet "install the .NET 10 SDK"
install_azurite

# The console's browser tests drive Debian's Chromium through its chromedriver: install both when missing (as root,
# with apt-get, as CI runs); elsewhere those tests are skipped with the reason.
chromium="${RETAILFUNCTIONS_CHROMIUM:-/usr/bin/chromium}"
chromedriver="${RETAILFUNCTIONS_CHROMEDRIVER:-/usr/bin/chromedriver}"
if [ ! -x "$chromium" ] || [ ! -x "$chromedriver" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing chromium and chromium-driver (apt-get) for the console's browser tests"
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
      >/dev/null 2>&1 || echo "    could not install them: the browser tests will be skipped"
  else
    echo "==> no $chromium or $chromedriver, and installing them needs root and apt-get: the browser tests will be skipped"
  fi
fi

track_started_processes
trap 'exit 130' INT TERM

echo "==> building (warnings are errors)"
dotnet build "$repo/RetailFunctions.sln" -c Release -nologo -v quiet

if [ -f "$repo/eng/bicep.sh" ]; then
  echo "==> checking infra/ with the Bicep compiler"
  bash "$repo/eng/bicep.sh"
fi

echo "==> running tests"
set +e
# One test assembly at a time (-m:1): the end-to-end tests measure coalescing and retries against real processes,
# which two cores shared with the other assemblies' Azurites and runtimes would turn into noise.
dotnet test "$repo/RetailFunctions.sln" -c Release --no-build -nologo -m:1 --logger "console;verbosity=normal" -- RunConfiguration.TestSessionTimeout=840000 \
  | tee "$RETAILFUNCTIONS_PID_DIR/test-output.txt"
status=${PIPESTATUS[0]}
set -e
# One closing line over every test project: "N passed, N failed, N skipped".
summary=$(grep -E '^\s+(Passed|Failed|Skipped): [0-9]+\s*$' "$RETAILFUNCTIONS_PID_DIR/test-output.txt" \
  | awk '{gsub(":", "", $1); n[$1]+=$2} END {printf "%d passed, %d failed, %d skipped", n["Passed"], n["Failed"], n["Skipped"]}' || true)
# The failed tests again, each with the start of its message, so the end of a long log names them.
failures=$(awk '
  /^[[:space:]]+Failed [A-Za-z_][A-Za-z0-9_.]*/ { printing = 1; lines = 0; print; next }
  printing && (/^[[:space:]]+(Stack Trace|Standard Output Messages):/ || ++lines > 10) { printing = 0 }
  printing { print }
' "$RETAILFUNCTIONS_PID_DIR/test-output.txt" || true)
if [ -n "$failures" ]; then
  echo
  echo "==> failed tests"
  echo "$failures"
fi
echo
echo "$summary"
exit "$status"
