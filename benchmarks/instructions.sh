#!/usr/bin/env bash
# `make bench-instructions`: instructions per request path, counted by valgrind's callgrind, which
# counts the same for the same binary and input whatever else the machine does: a regression shows
# without noise to average out.
#
#   BENCH_INSTR_PASSES=20 benchmarks/instructions.sh
#
# Each path's own work runs in-process (`linkback bench-paths PATH`), counted only inside its
# passes (callgrind --toggle-collect); the figure is (count at 2×PASSES − count at PASSES) / PASSES,
# so what the first pass alone pays (lazy set-up) is left out. The HTTP server itself is not
# counted: valgrind 3.19 (Debian 12) stops at the server's start (BENCHMARKS.md); wrk measures it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BINARY=${BENCH_BINARY:-$root/.build/release/linkback}
PASSES=${BENCH_INSTR_PASSES:-20}
[ -x "$BINARY" ] || { echo "bench-instructions: no release build at $BINARY (make bench-instructions builds it)" >&2; exit 1; }
command -v valgrind > /dev/null || { echo "bench-instructions: valgrind is missing (make bench-instructions installs it)" >&2; exit 1; }

# Swift seeds its hashing per process: dictionaries and sets (the spam score's features) then
# grow and probe differently on every run, and that path's count wobbled by up to ~10 % (471k and
# 519k in two runs of one binary). Fixed seed.
export SWIFT_DETERMINISTIC_HASHING=1

work=$(mktemp -d /tmp/linkback-instructions.XXXXXX)
trap 'rm -rf "$work"' EXIT
# valgrind 3.19 cannot read the DWARF 5 debug information Swift 6.3 writes; the symbol table is enough.
objcopy --strip-debug "$BINARY" "$work/linkback"

# The small page every benchmark source serves (benchmarks/lib.sh) and a 20 KB WordPress page.
cp "$here/source.html" "$work/small.html"
python3 "$here/corpus.py" --big "$work/large.html" 20480 > /dev/null

count() {  # PATH PASSES [ARGS…]: instructions inside the passes
    local path=$1 passes=$2 out="$work/$1-$2.out"
    shift 2
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*BenchPathsCommand*once*' \
        "$work/linkback" bench-paths "$path" --passes "$passes" "$@" > /dev/null 2>&1
    awk '/^(summary|totals):/ {print $2; exit}' "$out"
}
per_pass() {  # PATH [ARGS…]
    local one two
    one=$(count "$1" "$PASSES" "${@:2}")
    two=$(count "$1" $((PASSES * 2)) "${@:2}")
    awk -v a="$one" -v b="$two" -v n="$PASSES" 'BEGIN { printf "%d", (b - a) / n }'
}

row() { printf '| %-64s | %12s |\n' "$1" "$2"; }
echo "Linkback $("$BINARY" --version) at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); valgrind --tool=callgrind, $PASSES passes"
echo
row "path (its own work, in-process)" "instructions"
row "---" "---"
row "pingback from PHP/5.2.10: refused, fault, log line" "$(per_pass php)"
row "malformed XML-RPC: parse, fault, log line" "$(per_pass malformed)"
row "garbage webmention: checks, log line" "$(per_pass nonsense)"
row "valid webmention: the checks before the write" "$(per_pass accept)"
row "verification of the small h-entry page ($(wc -c < "$work/small.html") bytes)" "$(per_pass verify --page "$work/small.html")"
row "verification of a 20 KB WordPress page ($(wc -c < "$work/large.html") bytes)" "$(per_pass verify --page "$work/large.html")"
row "the same page checked for a target it does not link to" "$(per_pass unlinked --page "$work/large.html" --target https://elsewhere.example/post)"
row "spam score of that page's mention (features and model)" "$(per_pass score --page "$work/large.html")"
row "copy detection's fingerprint of that page's text (MinHash)" "$(per_pass fingerprint --page "$work/large.html")"
