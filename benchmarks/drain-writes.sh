#!/usr/bin/env bash
# The 20 KB drain as `make bench` meets it, and what each verification costs the machine: a file
# grown by BENCH_FILL_SECONDS (20) of small-page accepts and drained (as the full run's file is
# when it gets there), copied afresh for each of BENCH_RUNS (3) runs; each run queues
# BENCH_DRAIN_SECONDS (3) of accepts naming a 20 KB page, then drains them and prints the rate,
# the bytes the server wrote a mention (`wchar`: every write call; `disk`: what reached the
# device) and its CPU time a mention, from /proc.
#
#   BENCH_BINARY=path/to/linkback benchmarks/drain-writes.sh
#
# The rate moves with the machine's hour (±20 % on the shared VM); bytes and CPU a mention move
# less. Compare two binaries by alternating them (BENCHMARKS.md, session 25).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BINARY=${BENCH_BINARY:-$root/.build/release/linkback}

# shellcheck source=benchmarks/lib.sh
. "$here/lib.sh"
sample_rss() { :; }
base=http://127.0.0.1:$LINKBACK_PORT
python3 "$here/corpus.py" --big "$work/www/mid.html" 20480 > /dev/null

queued() { metric "$base" 'linkback_mentions{status="queued"}'; }
drained() { wait_for_drain "$base" || exit 1; }
stop() { kill "$linkback_pid"; wait "$linkback_pid" 2> /dev/null || true; }
# io FIELD: the server's counter from /proc/PID/io; cpu: its user + system clock ticks.
io() { awk -v field="$1:" '$1 == field { print $2 }' "/proc/$linkback_pid/io"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$linkback_pid/stat"; }

write_config linkback "$LINKBACK_PORT" "  path: $work/linkback.sqlite"
start_linkback linkback "$LINKBACK_PORT"
BENCH_SOURCE="http://127.0.0.1:$NGINX_PORT/src" wrk -t2 -c64 -d"${BENCH_FILL_SECONDS:-20}s" \
    -s "$here/accept.lua" "$base/webmention" > /dev/null
drained
stop
# The file with its write-ahead log, if the server left one.
for file in "$work"/linkback.sqlite*; do cp "$file" "$work/filled${file#"$work"/linkback}"; done
echo "file: $(du -m "$work/filled.sqlite" | cut -f1) MB after ${BENCH_FILL_SECONDS:-20} s of small-page accepts, drained"

for run in $(seq "${BENCH_RUNS:-3}"); do
    rm -f "$work"/linkback.sqlite*
    for file in "$work"/filled.sqlite*; do cp "$file" "$work/linkback${file#"$work"/filled}"; done
    start_linkback linkback "$LINKBACK_PORT"
    BENCH_SOURCE="http://127.0.0.1:$NGINX_PORT/mid" wrk -t2 -c64 -d"${BENCH_DRAIN_SECONDS:-3}s" \
        -s "$here/accept.lua" "$base/webmention" > /dev/null
    backlog=$(queued) start=$(date +%s.%N) wchar=$(io wchar) disk=$(io write_bytes) ticks=$(cpu)
    drained
    awk -v n="$backlog" -v s="$start" -v e="$(date +%s.%N)" -v w0="$wchar" -v w1="$(io wchar)" \
        -v d0="$disk" -v d1="$(io write_bytes)" -v t0="$ticks" -v t1="$(cpu)" -v hz="$(getconf CLK_TCK)" -v run="$run" \
        'BEGIN { printf "run %d: %d mentions at %.0f/s; written a mention: %.0f KB (disk %.0f KB); CPU a mention: %.0f µs\n",
                 run, n, n / (e - s), (w1 - w0) / n / 1024, (d1 - d0) / n / 1024, (t1 - t0) / hz * 1e6 / n }'
    stop
done
