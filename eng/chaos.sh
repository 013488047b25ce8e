#!/usr/bin/env bash
# Chaos run: a seeded retail day sent to real runtime processes on a real Azurite with faults injected, compared with
# the scenario's own oracle (see docs/chaos.md). Exit code 0 only with zero differences.
#   bash eng/chaos.sh [--seed N] [--size small|large] [--no-duplicates] [--no-reorder] [--no-poison] [--no-kill]
#                     [--no-second-instance] [--no-channel-faults] [--no-azurite-restart] [--no-faults] [--quiet]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require dotnet "install the .NET 10 SDK"
install_azurite

track_started_processes
trap 'exit 130' INT TERM

echo "==> building the chaos harness"
dotnet build "$repo/tests/RetailFunctions.Chaos/RetailFunctions.Chaos.csproj" -c Release -nologo -v quiet
echo "==> running"
dotnet "$repo/tests/RetailFunctions.Chaos/bin/Release/net10.0/RetailFunctions.Chaos.dll" "$@"
