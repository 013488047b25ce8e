#!/usr/bin/env bash
# Measures the ingestion path and the stock ledger under contention on this machine and prints a table and a JSON
# block; exits with 1 when an invariant is broken (an oversold unit, an unexpected answer):
#   bash eng/bench.sh           the default run (295 s after the build, measured 2026-12-07 on a 2-core machine)
#   bash eng/bench.sh --quick   small sizes (126 s after the build, measured on the same machine)
# Installs Azurite (npm) if needed and builds in Release. The benchmarks start their own Azurite processes and the
# runtime on free loopback ports and stop them at the end; anything left behind is stopped here too.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require dotnet "install the .NET 10 SDK"
install_azurite

track_started_processes
trap 'exit 130' INT TERM

echo "==> building in Release"
dotnet build "$repo/tests/RetailFunctions.Benchmarks" -c Release -nologo -v quiet

echo "==> running"
dotnet run -c Release --no-build --project "$repo/tests/RetailFunctions.Benchmarks" -- "$@"
