# Shared by start.sh and test.sh: install what the repository needs, from the registries only.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
azurite_js="$repo/eng/azurite/node_modules/azurite/dist/src/azurite.js"

require() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' is required but not on PATH ($2)" >&2; exit 1; }
}

install_azurite() {
  require node "install Node.js 20 or later"
  require npm "it comes with Node.js"
  if [ ! -f "$azurite_js" ]; then
    echo "==> installing Azurite (npm ci in eng/azurite)"
    (cd "$repo/eng/azurite" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Stops a process and everything it started; Azurite needs a second signal, so finish with SIGKILL.
stop_tree() {
  local pid="$1"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.3; done
  kill -KILL "$pid" 2>/dev/null || true
}

wait_for_port() {
  local port="$1" what="$2"
  for _ in $(seq 1 150); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "error: $what did not start listening on 127.0.0.1:$port" >&2
  return 1
}

# Processes the tests and tools start write their pid here; whatever is still running at exit is killed.
track_started_processes() {
  export RETAILFUNCTIONS_PID_DIR="$(mktemp -d)"
  trap stop_tracked_processes EXIT
}

stop_tracked_processes() {
  for f in "$RETAILFUNCTIONS_PID_DIR"/*.pid; do
    [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true
  done
  rm -rf "$RETAILFUNCTIONS_PID_DIR"
}
