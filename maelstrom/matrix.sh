#!/usr/bin/env bash
# The standard set of real-Maelstrom lin-kv runs for a course submission or a CI job with a JVM:
# 3 and 5 nodes, latency 0 and 10 ms, with and without partitions, for each read mode, then a
# summary table. Runs continue after a failure; the exit status is the worst verdict seen.
#
#   maelstrom/matrix.sh [extra maelstrom options for every run]
#
# Environment: NODE_COUNTS ("3 5"), LATENCIES ("0 10"), NEMESES ("none partition"),
# READ_MODES ("log read-index lease follower"; "default" runs without --read-mode), TIME_LIMIT (20),
# RATE (100).
set -uo pipefail
# shellcheck source=lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

if ! find_maelstrom >/dev/null; then
  explain_missing_maelstrom
  exit "$EXIT_NO_MAELSTROM"
fi

read -r -a node_counts <<<"${NODE_COUNTS:-3 5}"
read -r -a latencies <<<"${LATENCIES:-0 10}"
read -r -a nemeses <<<"${NEMESES:-none partition}"
read -r -a read_modes <<<"${READ_MODES:-log read-index lease follower}"
time_limit="${TIME_LIMIT:-20}"
rate="${RATE:-100}"

rows=()
worst=0
for nodes in "${node_counts[@]}"; do
  for latency in "${latencies[@]}"; do
    for nemesis in "${nemeses[@]}"; do
      for mode in "${read_modes[@]}"; do
        args=(--node-count "$nodes" --latency "$latency" --time-limit "$time_limit" --rate "$rate" "$@")
        args+=(--nemesis "$nemesis")
        node_args=()
        [ "$mode" = default ] || node_args=(-- --read-mode "$mode")
        echo "=== nodes=$nodes latency=$latency nemesis=$nemesis read-mode=$mode" >&2
        output="$("$RAFTKV_ROOT/maelstrom/lin-kv.sh" "${args[@]}" "${node_args[@]}")"
        status=$?
        echo "$output" >&2
        case $status in 0) verdict=valid ;; 1) verdict=INVALID ;; 2) verdict=unknown ;; *) verdict="error($status)" ;; esac
        ops="$(sed -n 's/^operations: *//p' <<<"$output")"
        msgs="$(sed -n 's/^msgs per op: *//p' <<<"$output")"
        rows+=("$(printf '%-5s %-7s %-9s %-10s %-9s %s | %s' "$nodes" "$latency" "$nemesis" "$mode" "$verdict" "${ops:--}" "${msgs:--}")")
        # Severity: invalid (1) > unknown (2) > valid (0); anything else counts as an error.
        if [ $status -eq 1 ] || { [ $status -ne 0 ] && [ $worst -ne 1 ]; }; then worst=$status; fi
      done
    done
  done
done

printf '\n%-5s %-7s %-9s %-10s %-9s %s | %s\n' nodes latency nemesis read-mode verdict operations "msgs per op"
printf '%s\n' "${rows[@]}"
exit "$worst"
