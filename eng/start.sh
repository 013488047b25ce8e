#!/usr/bin/env bash
# Starts the whole pipeline locally: Azurite on 127.0.0.1 (10000-10002, data kept in .azurite/), then the runtime on
# http://127.0.0.1:7071 with routes under /api. Ctrl+C stops both.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require dotnet "install the .NET 10 SDK"
install_azurite

if [ ! -f "$repo/local.settings.json" ]; then
  echo "==> creating local.settings.json from local.settings.sample.json"
  cp "$repo/local.settings.sample.json" "$repo/local.settings.json"
fi

azurite_pid=""
cleanup() {
  trap - EXIT INT TERM
  echo "==> stopping"
  [ -n "${runtime_pid:-}" ] && stop_tree "$runtime_pid"
  stop_tree "$azurite_pid"
}
trap cleanup EXIT INT TERM

if (echo >/dev/tcp/127.0.0.1/10001) 2>/dev/null; then
  echo "==> storage already listening on 127.0.0.1:10000-10002; using it"
else
  echo "==> starting Azurite on 127.0.0.1 (data in .azurite/)"
  mkdir -p "$repo/.azurite"
  node "$azurite_js" --silent --disableTelemetry --skipApiVersionCheck --loose --location "$repo/.azurite" \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 &
  azurite_pid=$!
  wait_for_port 10000 Azurite && wait_for_port 10001 Azurite && wait_for_port 10002 Azurite
fi

echo "==> building and starting the runtime"
dotnet build "$repo/functions/RetailFunctions.Host" -c Release -nologo -v quiet
dotnet "$repo/functions/RetailFunctions.Host/bin/Release/net10.0/RetailFunctions.Host.dll" --contentRoot "$repo" &
runtime_pid=$!
wait "$runtime_pid"
