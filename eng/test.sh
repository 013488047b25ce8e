#!/usr/bin/env bash
# Runs every test: installs Azurite (npm) and restores NuGet packages, builds with warnings as errors, checks the
# Bicep templates with the real compiler, then runs all test projects. Tests start their own Azurite processes on
# free loopback ports; anything still running at the end is stopped.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require dotnet "install the .NET 10 SDK"
install_azurite

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
echo
echo "$summary"
exit "$status"
