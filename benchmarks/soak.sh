#!/usr/bin/env bash
# The soak (`make soak`): SOAK_SECONDS (600) of mixed traffic at once against one release-built
# Linkback with SQLite: the form page, PHP/5.2.10 pingback spam, malformed XML-RPC and nonsense
# webmentions (wrk, SOAK_CONNECTIONS each, as fast as they go) and new valid webmentions paced at
# about SOAK_ACCEPT_PER_SECOND, verified against nginx as they arrive. Samples the server's
# resident memory every 10 s and prints it minute by minute, then the growth from the end of the
# first minute (warm-up) to the end. Nothing is asserted: BENCHMARKS.md records the result.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BINARY=${BENCH_BINARY:-$root/.build/release/linkback}
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_CONNECTIONS=${SOAK_CONNECTIONS:-4}
SOAK_ACCEPT_PER_SECOND=${SOAK_ACCEPT_PER_SECOND:-500}

# shellcheck source=benchmarks/lib.sh
. "$here/lib.sh"

write_config linkback "$LINKBACK_PORT" "  path: $work/linkback.sqlite"
start_linkback linkback "$LINKBACK_PORT"
base="http://127.0.0.1:$LINKBACK_PORT"
echo "Linkback $("$BINARY" --version) at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); soak of $SOAK_SECONDS s"

# load SCRIPT PATH CONNECTIONS [VARIABLE=VALUE…]: one wrk for the whole soak.
load() {
    local script=$1 path=$2 connections=$3
    shift 3
    env BENCH_SOURCE="http://127.0.0.1:$NGINX_PORT/src" "$@" \
        wrk -t1 -c"$connections" -d"${SOAK_SECONDS}s" -s "$here/$script" "$base$path" > "$work/soak-$script.out" 2>&1 &
    pids+=($!)
}
load form.lua /webmention "$SOAK_CONNECTIONS"
load php-pingback.lua /xmlrpc "$SOAK_CONNECTIONS"
load malformed.lua /xmlrpc "$SOAK_CONNECTIONS"
load nonsense.lua /webmention "$SOAK_CONNECTIONS"
# Four paced connections, each waiting 4000/rate ms after each answer (so a little under the rate).
load accept.lua /webmention 4 BENCH_DELAY_MS=$(( 4000 / SOAK_ACCEPT_PER_SECOND ))

rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$linkback_pid/status"; }
samples=()
elapsed=0
printf '%8s %8s %8s %10s\n' "minute" "RSS MB" "queued" "approved"
while [ "$elapsed" -lt "$SOAK_SECONDS" ]; do
    sleep 10
    elapsed=$((elapsed + 10))
    samples+=("$(rss)")
    if [ $((elapsed % 60)) -eq 0 ]; then
        printf '%8d %8d %8s %10s\n' $((elapsed / 60)) "${samples[-1]}" \
            "$(metric "$base" 'linkback_mentions{status="queued"}')" "$(metric "$base" 'linkback_mentions{status="approved"}')"
    fi
done
wait "${pids[@]:1}" 2>/dev/null || true
for script in form.lua php-pingback.lua malformed.lua nonsense.lua accept.lua; do
    echo "$script: $(awk '/Requests\/sec/ {print $2}' "$work/soak-$script.out") req/s"
done
# The first minute is warm-up (caches, the first fetch clients); a soak shorter than a minute
# compares its first sample instead.
if [ "${#samples[@]}" -ge 6 ]; then warm=${samples[5]}; warm_label="after the first minute"; else warm=${samples[0]}; warm_label="at the first sample (10 s)"; fi
peak=$(printf '%s\n' "${samples[@]}" | sort -n | tail -n 1)
echo "RSS: $warm MB $warm_label, ${samples[-1]} MB at the end, $peak MB at most (VmHWM $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$linkback_pid/status") MB)"
