# Shared by the Maelstrom scripts: locate Maelstrom, build raftkv, explain what is missing.
# shellcheck shell=bash

RAFTKV_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
readonly RAFTKV_ROOT
# Exit status when Maelstrom itself cannot be found: distinct from valid (0), invalid (1),
# unknown (2) and Maelstrom's own bad-arguments (254) and internal-error (255) statuses.
readonly EXIT_NO_MAELSTROM=3

find_maelstrom() {
  if [ -n "${MAELSTROM:-}" ]; then
    if [ -x "$MAELSTROM" ]; then echo "$MAELSTROM"; return 0; fi
    echo "MAELSTROM=$MAELSTROM is not an executable file" >&2
    return 1
  fi
  if command -v maelstrom >/dev/null 2>&1; then command -v maelstrom; return 0; fi
  local vendored
  for vendored in "$RAFTKV_ROOT/maelstrom/vendor/maelstrom/maelstrom" "$RAFTKV_ROOT/maelstrom/vendor/maelstrom"; do
    if [ -f "$vendored" ] && [ -x "$vendored" ]; then echo "$vendored"; return 0; fi
  done
  return 1
}

explain_missing_maelstrom() {
  cat >&2 <<MSG
Maelstrom was not found. It is looked for in \$MAELSTROM, then as 'maelstrom' on the PATH,
then unpacked under $RAFTKV_ROOT/maelstrom/vendor/ (git ignores that folder).

To get it:
  1. Install Java 11 or newer (e.g. apt-get install openjdk-17-jdk-headless), plus gnuplot
     (Maelstrom's plots; without it a run ends 'unknown') and graphviz.
  2. Download maelstrom.tar.bz2 (the release asset, not the source archive) from
     https://github.com/jepsen-io/maelstrom/releases (v0.2.4 or later) and unpack it:
       tar -xjf maelstrom.tar.bz2 -C $RAFTKV_ROOT/maelstrom/vendor
  3. Run this script again, or set MAELSTROM=/path/to/maelstrom/maelstrom.

Without a JVM, the same check runs with raftkv's own Maelstrom-compatible harness:
  bin/raftkv-test test -w lin-kv --bin bin/raftkv --node-count 3 --time-limit 30 --rate 100 --concurrency 2n --nemesis partition
MSG
}

ensure_built() {
  if [ -f "$RAFTKV_ROOT/dist/raftkv.mjs" ]; then return 0; fi
  echo "building raftkv ..." >&2
  (cd "$RAFTKV_ROOT" && { [ -d node_modules ] || npm ci --no-audit --no-fund >&2; } && npm run build --silent >&2)
}

# Prints the verdict and key figures of a results.edn, and returns 0 valid, 1 invalid, 2 unknown.
summarize_results() {
  node "$RAFTKV_ROOT/maelstrom/summarize_results.mjs" "$1"
}
