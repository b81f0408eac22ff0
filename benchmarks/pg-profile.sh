#!/usr/bin/env bash
# Where PostgreSQL's time goes under Linkback's accept and drain: a throwaway cluster with
# pg_stat_statements, BENCH_SECONDS (5) of `wrk -t2 -c64` distinct webmentions, then the drain of
# what they queued (at most BENCH_DRAIN_LIMIT seconds, 600). Prints the accept rate, the drain
# rate, the CPU each side used during the drain, and the statements by total time. A tool for
# finding the next step, not a benchmark row: BENCHMARKS.md says what it found.
#
#   swift build -c release --product linkback && benchmarks/pg-profile.sh
#
# For a statement's plan, as the prepared statement runs it (the generic plan), in psql:
#   SET plan_cache_mode = force_generic_plan; PREPARE p AS <sql>; EXPLAIN (ANALYZE, BUFFERS) EXECUTE p(...);
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
BINARY=${BENCH_BINARY:-$root/.build/release/linkback}

# shellcheck source=benchmarks/lib.sh
. "$here/lib.sh"

start_postgres shared_preload_libraries=pg_stat_statements || { echo "PostgreSQL is not installed" >&2; exit 1; }
sql() { psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres linkback "$@"; }
sql -c "CREATE EXTENSION pg_stat_statements"
port=$(free_port)
write_config linkback-pg "$port" "  url: postgres://postgres@127.0.0.1:$PG_PORT/linkback?sslmode=disable"
start_linkback linkback-pg "$port"
base="http://127.0.0.1:$port"

# CPU seconds used so far by Linkback and by every PostgreSQL process: "linkback postgres".
cpu() {
    local ticks=0 pid
    for pid in $(pgrep -f "postgres" || true); do
        ticks=$(( ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
    done
    awk -v l="$(awk '{print $14 + $15}' "/proc/$linkback_pid/stat")" -v p="$ticks" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.1f %.1f\n", l / hz, p / hz }'
}

BENCH_SOURCE="http://127.0.0.1:$NGINX_PORT/src" wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s "$here/accept.lua" "$base/webmention" \
    | awk '/Requests\/sec/ {print "accept: " $2 " req/s"}'
sql -c "SELECT pg_stat_statements_reset()" > /dev/null
read -r linkback_before postgres_before <<< "$(cpu)"
start=$(date +%s.%N)
backlog=$(metric "$base" 'linkback_mentions{status="queued"}')
deadline=$(( $(date +%s) + ${BENCH_DRAIN_LIMIT:-600} ))
while [ "$(metric "$base" 'linkback_mentions{status="queued"}')" -gt 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
end=$(date +%s.%N)
read -r linkback_after postgres_after <<< "$(cpu)"
awk -v s="$start" -v e="$end" -v n="$backlog" -v l="$(awk -v a="$linkback_before" -v b="$linkback_after" 'BEGIN { print b - a }')" \
    -v p="$(awk -v a="$postgres_before" -v b="$postgres_after" 'BEGIN { print b - a }')" \
    'BEGIN { printf "drain: %d queued mentions in %.1f s, %.0f/s; CPU meanwhile: linkback %.1f s, postgres %.1f s\n", n, e - s, n / (e - s), l, p }'
sql -c "SELECT calls, round(total_exec_time) AS ms, round((total_exec_time / calls)::numeric, 3) AS ms_each, rows,
            left(regexp_replace(query, '\s+', ' ', 'g'), 120) AS statement
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15"
