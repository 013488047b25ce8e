#!/usr/bin/env bash
# Builds and lints the Bicep templates in infra/ with the real Bicep compiler, obtained from NuGet
# (package Azure.Bicep.CommandLine.linux-x64, restored by eng/BicepTool/BicepTool.csproj; no global install).
#
#   bash eng/bicep.sh            build infra/main.bicep, build every infra/*.bicepparam, lint every infra/**/*.bicep;
#                                exits non-zero on any warning or error
#   bash eng/bicep.sh --locate   print the path of the bicep binary (restoring it first if needed)
#
# BICEP_OUTDIR=<dir> keeps the compiled ARM JSON there (default: a temporary folder, removed afterwards).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool_project="$root/eng/BicepTool/BicepTool.csproj"
package_id="azure.bicep.commandline.linux-x64"
version="$(sed -n 's/.*Include="Azure.Bicep.CommandLine.linux-x64" Version="\[\([^]]*\)\]".*/\1/p' "$tool_project")"
if [[ -z "$version" ]]; then
  echo "bicep: cannot read the Azure.Bicep.CommandLine.linux-x64 version from $tool_project" >&2
  exit 2
fi

find_binary() {
  local folders=()
  [[ -n "${NUGET_PACKAGES:-}" ]] && folders+=("$NUGET_PACKAGES")
  local assets="$root/eng/BicepTool/obj/project.assets.json"
  if [[ -f "$assets" ]]; then
    # "packageFolders": { "/root/.nuget/packages/": {} }
    local from_assets
    from_assets="$(sed -n '/"packageFolders"/{n;s/^ *"\([^"]*\)".*/\1/p;}' "$assets")"
    [[ -n "$from_assets" ]] && folders+=("$from_assets")
  fi
  folders+=("$HOME/.nuget/packages")
  local folder
  for folder in "${folders[@]}"; do
    local candidate="${folder%/}/$package_id/$version/tools/bicep"
    if [[ -f "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

bicep="$(find_binary || true)"
if [[ -z "$bicep" ]]; then
  echo "bicep: restoring Azure.Bicep.CommandLine.linux-x64 $version from NuGet..." >&2
  dotnet restore "$tool_project" --nologo --verbosity quiet >&2
  bicep="$(find_binary || true)"
  if [[ -z "$bicep" ]]; then
    echo "bicep: FAILED: the restore did not produce tools/bicep of $package_id $version" >&2
    exit 2
  fi
fi
[[ -x "$bicep" ]] || chmod +x "$bicep"

if [[ "${1:-}" == "--locate" ]]; then
  echo "$bicep"
  exit 0
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 BICEP_TRACING_ENABLED=false
cd "$root"
started=$SECONDS
if [[ -n "${BICEP_OUTDIR:-}" ]]; then
  outdir="$BICEP_OUTDIR"
  mkdir -p "$outdir"
else
  outdir="$(mktemp -d)"
  trap 'rm -rf "$outdir"' EXIT
fi

log="$outdir/bicep-diagnostics.log"
: > "$log"

# Each step runs as its own bicep process, all in parallel; each writes its diagnostics to its own file.
step=0
pids=()
start_step() {
  step=$((step + 1))
  local step_log="$outdir/step-$step.log"
  ( status=0; "$bicep" "$@" > "$step_log" 2>&1 || status=$?
    if [[ $status -ne 0 ]]; then echo "bicep $1 $2 exited with $status" >> "$step_log"; fi
    exit "$status" ) &
  pids+=("$!")
}

start_step build infra/main.bicep --outdir "$outdir"
params=(infra/*.bicepparam)
for param_file in "${params[@]}"; do
  start_step build-params "$param_file" --outfile "$outdir/$(basename "$param_file" .bicepparam).parameters.json"
done
mapfile -t bicep_files < <(find infra -name '*.bicep' | sort)
start_step lint --pattern 'infra/**/*.bicep'

failed_steps=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed_steps=$((failed_steps + 1))
done
for ((i = 1; i <= step; i++)); do
  cat "$outdir/step-$i.log" >> "$log"
  rm -f "$outdir/step-$i.log"
done
# Diagnostics reported by several steps (a module error seen by build and lint) are shown once.
if [[ -s "$log" ]]; then
  sort -u "$log" >&2
fi

warnings=$(sort -u "$log" | grep -cE ' : Warning ' || true)
errors=$(sort -u "$log" | grep -cE ' : Error ' || true)
elapsed=$((SECONDS - started))
summary="built infra/main.bicep and ${#params[@]} parameter files, linted ${#bicep_files[@]} Bicep files: $errors errors, $warnings warnings (${elapsed}s)"
if [[ $warnings -ne 0 || $errors -ne 0 || $failed_steps -ne 0 || ! -f "$outdir/main.json" ]]; then
  echo "bicep $version: FAILED: $summary" >&2
  exit 1
fi
echo "bicep $version: OK: $summary"
