# Shared by benchmarks/run.sh and benchmarks/soak.sh (sourced, after `here`, `root` and BINARY are
# set): a scratch directory removed on exit, Debian's nginx serving the source pages, and helpers to
# configure and start a Linkback server and read its metrics.

[ -x "$BINARY" ] || { echo "bench: no release build at $BINARY (make bench builds it)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk is missing (make bench installs it)" >&2; exit 1; }

work=$(mktemp -d /tmp/linkback-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NGINX_PORT=$(free_port)
LINKBACK_PORT=$(free_port)

# nginx: a static file; any /src/… path answered with the same small page linking the target; any
# /big/… path with big.html and any /mid/… path with mid.html, when a script writes them.
mkdir -p "$work/www"
printf '<!DOCTYPE html><html><head><title>Static</title></head><body><p>%s</p></body></html>\n' \
    "$(head -c 600 /dev/zero | tr '\0' 'x')" > "$work/www/index.html"
cp "$here/source.html" "$work/www/source.html"
cat > "$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work;
    default_type text/html;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $work/www;
        location /src/ { try_files /source.html =404; }
        location /big/ { try_files /big.html =404; }
        location /mid/ { try_files /mid.html =404; }
    }
}
EOF
nginx -c "$work/nginx.conf"

# write_config NAME PORT DATABASE_YAML: a Linkback configuration for one server under test.
write_config() {
    cat > "$work/$1.yaml" <<EOF
server:
  host: 127.0.0.1
  port: $2
  base_url: http://127.0.0.1:$2
  public_dir: $root/Public
  max_connections: 4096
database:
$3
sites: [blog.example]
moderation:
  auto_approve: true
fetch:
  allow_hosts: ["127.0.0.1:$NGINX_PORT"]
verification:
  concurrency: 32
spam:
  rate_limit_per_minute: 0
  pair_interval_seconds: 0
  fetches_per_source_host_per_minute: 0
  ban_after_rejections: 0
logging:
  level: warning
  fail2ban_log: $work/$1-rejections.log
EOF
}

# start_linkback NAME PORT: starts the server and waits for it; sets linkback_pid.
# LINKBACK_LAUNCH prefixes the command (valgrind); LINKBACK_START_TRIES tenths of a second to wait.
start_linkback() {
    # shellcheck disable=SC2086 # the launcher is words
    ${LINKBACK_LAUNCH:-} "$BINARY" serve --config "$work/$1.yaml" > "$work/$1.log" 2>&1 &
    linkback_pid=$!
    pids+=("$linkback_pid")
    for _ in $(seq "${LINKBACK_START_TRIES:-100}"); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && break; sleep 0.1; done
}

# metric BASE SERIES: the value of one series on BASE's /metrics, as an integer.
metric() { curl -s "$1/metrics" | awk -v series="$2" 'index($0, series " ") == 1 {print int($2)}'; }

# start_postgres [SETTING...]: a throwaway cluster from Debian's postgresql with a database
# `linkback` (durable commits, as a production server runs); sets PG_PORT, stops it on exit.
# Each SETTING is passed as `-c SETTING`. Returns 1 when PostgreSQL is not installed.
start_postgres() {
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$pg_bin" ] || return 1
    PG_PORT=$(free_port)
    mkdir -p "$work/pg"
    as_pg=()
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$work/pg"; chmod 755 "$work"; as_pg=(runuser -u postgres --); fi
    "${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    local options="-p $PG_PORT -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200" setting
    for setting in "$@"; do options+=" -c $setting"; done
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o "$options" start >/dev/null
    pg_stop() { "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true; }
    trap 'pg_stop; cleanup' EXIT
    "$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres linkback
}

# wait_for_drain BASE: waits until BASE has no queued mention, calling the sourcing script's
# sample_rss meanwhile. Gives up after BENCH_DRAIN_LIMIT seconds (600), so a queue that stalls
# cannot hang the whole run.
wait_for_drain() {
    local deadline=$(( $(date +%s) + ${BENCH_DRAIN_LIMIT:-600} ))
    while [ "$(metric "$1" 'linkback_mentions{status="queued"}')" -gt 0 ]; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "drain of $1 stalled: mentions still queued after ${BENCH_DRAIN_LIMIT:-600} s" >&2
            return 1
        fi
        sample_rss; sleep 0.2
    done
}
