#!/usr/bin/env bash
# Linkback's benchmark suite (`make bench`): a release build of Linkback and Debian's nginx on
# loopback, driven by wrk. Prints one table: requests per second (the median of BENCH_RUNS runs of
# BENCH_SECONDS each), p99 latency, and each figure as a ratio of Linkback's cheapest route, so
# noise on a shared machine cancels; then the verification drain and the server's peak memory.
#
#   BENCH_SECONDS=10 BENCH_RUNS=3 BENCH_CONNECTIONS=64 benchmarks/run.sh
#
# Every spam limit is off (each request does its full work) and the rejection log is on (each
# rejection is one line written). Nothing here asserts a speed: BENCHMARKS.md records results.
# A drain that has not emptied the queue after BENCH_DRAIN_LIMIT seconds (600) is reported as
# "stalled" and the run goes on.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
BINARY=${BENCH_BINARY:-$root/.build/release/linkback}

# shellcheck source=benchmarks/lib.sh
. "$here/lib.sh"

write_config linkback "$LINKBACK_PORT" "  path: $work/linkback.sqlite"
start_linkback linkback "$LINKBACK_PORT"

peak_rss=0
sample_rss() {
    local rss
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$linkback_pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak_rss" ] && peak_rss=$rss
    return 0
}

# One scenario: BENCH_RUNS runs; prints "median_rps p99" (p99 of the median run).
scenario() {
    local url=$1 script=${2:-}
    local results=()
    for _ in $(seq "$RUNS"); do
        local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency)
        [ -n "$script" ] && args+=(-s "$here/$script")
        local out rps p99
        out=$(BENCH_SOURCE="http://127.0.0.1:$NGINX_PORT/src" wrk "${args[@]}" "$url")
        rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
        p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
        results+=("$rps $p99")
        sample_rss
    done
    printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

base="http://127.0.0.1:$LINKBACK_PORT"
echo "Linkback $("$BINARY" --version) at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "wrk -t$THREADS -c$CONNECTIONS, median of $RUNS runs of $SECONDS_PER_RUN s; spam limits off, rejection log on"
echo
read -r nginx_rps nginx_p99 <<< "$(scenario "http://127.0.0.1:$NGINX_PORT/index.html")"
read -r form_rps form_p99 <<< "$(scenario "$base/webmention" form.lua)"
read -r php_rps php_p99 <<< "$(scenario "$base/xmlrpc" php-pingback.lua)"
read -r malformed_rps malformed_p99 <<< "$(scenario "$base/xmlrpc" malformed.lua)"
read -r nonsense_rps nonsense_p99 <<< "$(scenario "$base/webmention" nonsense.lua)"
read -r accept_rps accept_p99 <<< "$(scenario "$base/webmention" accept.lua)"

# The drain: the backlog left when the accept runs end, verified against nginx's pages.
# drain BASE: prints "backlog mentions_per_second".
drain() {
    local start end backlog
    start=$(date +%s.%N)
    backlog=$(metric "$1" 'linkback_mentions{status="queued"}')
    if ! wait_for_drain "$1"; then echo "$backlog stalled"; return 0; fi
    end=$(date +%s.%N)
    sample_rss
    awk -v s="$start" -v e="$end" -v n="$backlog" 'BEGIN { d = e - s; if (d > 0 && n > 0) printf "%d %.0f\n", n, n / d; else printf "%d -\n", n }'
}
read -r backlog drained <<< "$(drain "$base")"

# The drain on 20 KB pages (a WordPress post with comments, benchmarks/corpus.py --big): a backlog
# of BENCH_DRAIN_SECONDS (3) of accepts naming such pages, then verified. And the drain while
# accepts run at about half their maximum (16 connections paced by BENCH_DELAY_MS): the mentions
# verified a second meanwhile, from the growth of the approved count. BENCH_DRAIN_MORE=0 skips both.
mid_backlog=0; mid_drained="-"; paced_rps="-"; paced_drained="-"
if [ "${BENCH_DRAIN_MORE:-1}" != 0 ]; then
    python3 "$here/corpus.py" --big "$work/www/mid.html" 20480 > /dev/null
    BENCH_SOURCE="http://127.0.0.1:$NGINX_PORT/mid" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${BENCH_DRAIN_SECONDS:-3}s" \
        -s "$here/accept.lua" "$base/webmention" > /dev/null
    read -r mid_backlog mid_drained <<< "$(drain "$base")"
    approved_before=$(metric "$base" 'linkback_mentions{status="approved"}')
    delay=$(awk -v rps="$accept_rps" 'BEGIN { d = 16000 / (rps / 2); printf "%d", (d < 1 ? 1 : d) }')
    paced=$(BENCH_SOURCE="http://127.0.0.1:$NGINX_PORT/src" BENCH_DELAY_MS=$delay wrk -t"$THREADS" -c16 \
        -d"${SECONDS_PER_RUN}s" -s "$here/accept.lua" "$base/webmention")
    approved_after=$(metric "$base" 'linkback_mentions{status="approved"}')
    paced_rps=$(awk '/Requests\/sec/ {printf "%d", $2}' <<< "$paced")
    paced_drained=$(( (approved_after - approved_before) / SECONDS_PER_RUN ))
    drain "$base" > /dev/null
fi
# VmHWM is the high-water mark: read in this shell (the scenarios run in subshells), it is the
# server's peak over everything above.
sample_rss
sqlite_rss=$peak_rss

# The same accept and drain with the store in PostgreSQL (a throwaway cluster from Debian's
# postgresql, as the tests start it), when it is installed; BENCH_POSTGRES=0 skips it.
pg_accept_rps="-"; pg_accept_p99="-"; pg_backlog=0; pg_drained="-"; pg_rss=0
if [ "${BENCH_POSTGRES:-1}" != 0 ] && start_postgres; then
    PG_LINKBACK_PORT=$(free_port)
    write_config linkback-pg "$PG_LINKBACK_PORT" "  url: postgres://postgres@127.0.0.1:$PG_PORT/linkback?sslmode=disable"
    kill "$linkback_pid"; wait "$linkback_pid" 2>/dev/null || true
    start_linkback linkback-pg "$PG_LINKBACK_PORT"
    read -r pg_accept_rps pg_accept_p99 <<< "$(scenario "http://127.0.0.1:$PG_LINKBACK_PORT/webmention" accept.lua)"
    read -r pg_backlog pg_drained <<< "$(drain "http://127.0.0.1:$PG_LINKBACK_PORT")"
    peak_rss=0
    sample_rss
    pg_rss=$peak_rss
fi

# Large pages: BENCH_BIG_COUNT (500) webmentions whose sources are all a page of about 1 MB, with
# verification.concurrency at its maximum (256), on a fresh server: how long until every one is
# verified, and that server's peak memory (pages wait for the parse thread within
# verification.max_pending_bytes). BENCH_BIG=0 skips it.
big_line="-"
if [ "${BENCH_BIG:-1}" != 0 ]; then
    BIG_COUNT=${BENCH_BIG_COUNT:-500}
    python3 "$here/corpus.py" --big "$work/www/big.html" 1000000 > /dev/null
    BIG_PORT=$(free_port)
    write_config linkback-big "$BIG_PORT" "  path: $work/linkback-big.sqlite"
    sed -i 's/^  concurrency: 32$/  concurrency: 256/' "$work/linkback-big.yaml"
    kill "$linkback_pid" 2>/dev/null; wait "$linkback_pid" 2>/dev/null || true
    start_linkback linkback-big "$BIG_PORT"
    start=$(date +%s.%N)
    python3 - "http://127.0.0.1:$BIG_PORT/webmention" "http://127.0.0.1:$NGINX_PORT/big/" "$BIG_COUNT" <<'PY'
import concurrent.futures, sys, urllib.parse, urllib.request
endpoint, source, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
def send(index):
    body = urllib.parse.urlencode({"source": f"{source}{index}", "target": "https://blog.example/posts/1"}).encode()
    with urllib.request.urlopen(urllib.request.Request(endpoint, data=body), timeout=60) as answer:
        return answer.status
with concurrent.futures.ThreadPoolExecutor(64) as pool:
    statuses = list(pool.map(send, range(count)))
assert statuses.count(202) + statuses.count(201) == count, statuses
PY
    peak_rss=0
    wait_for_drain "http://127.0.0.1:$BIG_PORT" || true
    end=$(date +%s.%N)
    sample_rss
    big_approved=$(metric "http://127.0.0.1:$BIG_PORT" 'linkback_mentions{status="approved"}')
    big_line="$BIG_COUNT webmentions of a $(( $(wc -c < "$work/www/big.html") / 1024 )) KB page, verification.concurrency 256: $big_approved approved in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s, peak RSS $(( peak_rss / 1024 )) MB"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# WordPress (Debian's package, Apache + mod_php, MariaDB) answering the same malformed XML-RPC
# body, when asked: BENCH_WORDPRESS=1 (as root; benchmarks/wordpress.sh installs and starts it).
wp_rps="-"; wp_p99="-"
if [ "${BENCH_WORDPRESS:-0}" = 1 ]; then
    if wp_port=$("$here/wordpress.sh" start "$work/wordpress"); then
        trap '"$here/wordpress.sh" stop "$work/wordpress"; pg_stop 2>/dev/null || true; cleanup' EXIT
        read -r wp_rps wp_p99 <<< "$(scenario "http://127.0.0.1:$wp_port/xmlrpc.php" malformed.lua)"
        "$here/wordpress.sh" stop "$work/wordpress"
    fi
fi

# Extraction, one thread, no network: Linkback's whole check of a fetched page (parse, exact link
# check, microformats, sanitising) over a generated corpus of real-world-shaped pages, against
# libxml2's bare parse of the same bytes (in-process, the same options), xmllint over the files
# (a process per pass) and Python's mf2py. BENCH_EXTRACT=0 skips it.
extract_line="-"
if [ "${BENCH_EXTRACT:-1}" != 0 ]; then
    EXTRACT_SECONDS=${BENCH_EXTRACT_SECONDS:-5}
    python3 "$here/corpus.py" "$work/corpus" > /dev/null
    corpus_bytes=$(cat "$work"/corpus/*.html | wc -c)
    extract_json=$("$BINARY" bench-extract --json --seconds "$EXTRACT_SECONDS" "$work/corpus")
    read -r parse_mbs extract_mbs extract_ratio corpus_files <<< "$(python3 -c '
import json, sys
r = json.loads(sys.argv[1])
print("%.1f %.1f %.2f %d" % (r["parseMBPerSecond"], r["extractionMBPerSecond"], r["ratio"], r["files"]))' "$extract_json")"
    xmllint_mbs="-"
    if command -v xmllint > /dev/null; then
        passes=0; start=$(date +%s.%N)
        while awk -v s="$start" -v e="$(date +%s.%N)" -v limit="$EXTRACT_SECONDS" 'BEGIN { exit !(e - s < limit) }'; do
            xmllint --html --noout "$work"/corpus/*.html 2> /dev/null || true
            passes=$((passes + 1))
        done
        xmllint_mbs=$(awk -v s="$start" -v e="$(date +%s.%N)" -v p="$passes" -v b="$corpus_bytes" 'BEGIN { printf "%.1f", p * b / 1048576 / (e - s) }')
    fi
    mf2py_mbs=$(python3 - "$work/corpus" "$EXTRACT_SECONDS" <<'PY' 2> /dev/null || echo "-"
import glob, sys, time
import mf2py
pages = [open(path, encoding="utf-8").read() for path in sorted(glob.glob(sys.argv[1] + "/*.html"))]
size = sum(len(page.encode()) for page in pages)
start, passes = time.monotonic(), 0
while passes == 0 or time.monotonic() - start < float(sys.argv[2]):
    for page in pages:
        mf2py.parse(doc=page, url="https://source.example/")
    passes += 1
print("%.1f" % (passes * size / 1048576 / (time.monotonic() - start)))
PY
)
    extract_line="extraction over $corpus_files generated pages ($(( corpus_bytes / 1024 )) KB): Linkback $extract_mbs MB/s, libxml2 parse alone $parse_mbs MB/s (ratio $extract_ratio); xmllint --html --noout $xmllint_mbs MB/s; mf2py $mf2py_mbs MB/s"
fi

row() { printf '| %-62s | %9s | %8s | %6s |\n' "$1" "$2" "$3" "$4"; }
row "scenario" "req/s" "p99" "ratio"
row "---" "---" "---" "---"
row "nginx, a static file" "$nginx_rps" "$nginx_p99" "$(ratio "$nginx_rps" "$form_rps")"
row "GET /webmention (the form page, from memory)" "$form_rps" "$form_p99" "1.00"
row "pingback, User-Agent PHP/5.2.10 (refused at the door, logged)" "$php_rps" "$php_p99" "$(ratio "$php_rps" "$form_rps")"
row "malformed XML-RPC, ordinary user agent (fault -32700, logged)" "$malformed_rps" "$malformed_p99" "$(ratio "$malformed_rps" "$form_rps")"
row "POST /webmention source=nonsense (400, logged)" "$nonsense_rps" "$nonsense_p99" "$(ratio "$nonsense_rps" "$form_rps")"
row "distinct valid webmentions, each stored before its 201" "$accept_rps" "$accept_p99" "$(ratio "$accept_rps" "$form_rps")"
row "the same, stored in PostgreSQL (durable commits)" "$pg_accept_rps" "$pg_accept_p99" "$(ratio "$pg_accept_rps" "$form_rps")"
row "WordPress xmlrpc.php, the same malformed body (BENCH_WORDPRESS=1)" "$wp_rps" "$wp_p99" "$(ratio "$wp_rps" "$form_rps")"
echo
echo "verification drain (SQLite): $backlog queued mentions after the accept runs, verified against nginx at $drained mentions/s"
echo "verification drain, 20 KB pages (SQLite): $mid_backlog queued mentions verified at $mid_drained mentions/s"
echo "verification while accepting $paced_rps req/s (about half the maximum): $paced_drained mentions/s verified"
echo "verification drain (PostgreSQL): $pg_backlog queued mentions, verified at $pg_drained mentions/s"
echo "linkback peak RSS (VmHWM): $(( sqlite_rss / 1024 )) MB with SQLite over all of the above, $(( pg_rss / 1024 )) MB with PostgreSQL over its accept and drain"
echo "rejection-log lines written: $(wc -l < "$work/linkback-rejections.log")"
echo "$extract_line"
echo "large pages: $big_line"
[ "$wp_rps" != "-" ] && echo "malformed XML-RPC: Linkback answers $(awk -v a="$malformed_rps" -v b="$wp_rps" 'BEGIN { printf "%.0f", a / b }')× as many requests a second as WordPress"
exit 0
