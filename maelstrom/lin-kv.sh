#!/usr/bin/env bash
# Runs Jepsen Maelstrom's lin-kv workload against bin/raftkv and prints the verdict.
#
#   maelstrom/lin-kv.sh [maelstrom options] [-- node options]
#
# Defaults: 3 nodes, 30 s, rate 100, concurrency 2n, partition nemesis; any option given here
# replaces its default ('--nemesis none' runs without faults). Node options after '--' reach bin/raftkv as its arguments, the way
# Maelstrom passes extra arguments to --bin. Each run gets a fresh data directory
# (RAFTKV_DATA_DIR), so a run never finds an earlier run's state.
#
# Exit status: 0 valid, 1 invalid, 2 unknown, 3 Maelstrom not found, others as Maelstrom's.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

declare -A defaults=(
  [--workload]=lin-kv [--node-count]=3 [--time-limit]=30 [--rate]=100 [--concurrency]=2n [--nemesis]=partition
)
maelstrom_args=()
node_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; node_args=("$@"); break ;;
    -w) unset 'defaults[--workload]'; maelstrom_args+=("$1"); shift ;;
    # "--nemesis none" runs without faults: Maelstrom itself has no name for that.
    --nemesis) if [ "${2:-}" = none ]; then unset 'defaults[--nemesis]'; shift 2; else unset 'defaults[--nemesis]'; maelstrom_args+=("$1"); shift; fi ;;
    --*=*) unset "defaults[${1%%=*}]"; maelstrom_args+=("$1"); shift ;;
    --*) unset "defaults[$1]"; maelstrom_args+=("$1"); shift ;;
    *) maelstrom_args+=("$1"); shift ;;
  esac
done
for flag in --workload --node-count --time-limit --rate --concurrency --nemesis; do
  if [ -n "${defaults[$flag]+set}" ]; then maelstrom_args+=("$flag" "${defaults[$flag]}"); fi
done

if ! maelstrom_bin="$(find_maelstrom)"; then
  explain_missing_maelstrom
  exit "$EXIT_NO_MAELSTROM"
fi
ensure_built

workdir="${MAELSTROM_WORKDIR:-$RAFTKV_ROOT/maelstrom/work}"
mkdir -p "$workdir"
data_dir="$(mktemp -d "${TMPDIR:-/tmp}/raftkv-maelstrom-data.XXXXXX")"
trap 'rm -rf "$data_dir"' EXIT
export RAFTKV_DATA_DIR="$data_dir"

echo "running: $maelstrom_bin test --bin $RAFTKV_ROOT/bin/raftkv ${maelstrom_args[*]} ${node_args:+-- ${node_args[*]}}" >&2
status=0
(cd "$workdir" && "$maelstrom_bin" test --bin "$RAFTKV_ROOT/bin/raftkv" "${maelstrom_args[@]}" ${node_args[@]+-- "${node_args[@]}"}) || status=$?

results="$workdir/store/latest/results.edn"
if [ ! -f "$results" ]; then
  echo "Maelstrom exited with status $status and wrote no $results" >&2
  exit $(( status == 0 ? 2 : status ))
fi
verdict=0
summarize_results "$results" || verdict=$?
# Maelstrom's own status wins when it is worse than what the file says (it knows about crashes).
if [ "$status" -ne 0 ] && [ "$verdict" -eq 0 ]; then verdict=$status; fi
exit "$verdict"
