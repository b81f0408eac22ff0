#!/usr/bin/env bash
# WordPress for the benchmark's comparison row (`BENCH_WORDPRESS=1 make bench`): Debian's
# `wordpress` package behind Apache (mod_php, prefork) with MariaDB, each started on its own in a
# scratch directory, WordPress installed through its own installer. Nothing is left running.
#
#   benchmarks/wordpress.sh start DIR   # prints the port xmlrpc.php answers on
#   benchmarks/wordpress.sh stop DIR
#
# Needs root (packages, Apache dropping to www-data, a per-host file in /etc/wordpress).
set -euo pipefail

command=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mkdir -p "$work"
host_file=/etc/wordpress/config-127.0.0.1.php

stop() {
    [ -f "$work/apache.conf" ] && apache2 -f "$work/apache.conf" -k stop > /dev/null 2>&1 || true
    if [ -f "$work/run/mariadb.pid" ]; then
        local pid
        pid=$(cat "$work/run/mariadb.pid")
        kill "$pid" 2> /dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    fi
    # Only the file this script wrote.
    grep -qs "written by linkback's benchmarks/wordpress.sh" "$host_file" && rm -f "$host_file"
    return 0
}

if [ "$command" = stop ]; then stop; exit 0; fi
[ "$command" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "wordpress.sh: needs root" >&2; exit 1; }

"$root/scripts/ensure-packages.sh" wordpress mariadb-server libapache2-mod-php php-mysql php-xml curl > /dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
chmod 755 "$work"

# MariaDB: a fresh data directory, a socket only.
install -d -o mysql "$work/run"
mariadb-install-db --datadir="$work/mariadb" --user=mysql --auth-root-authentication-method=normal > "$work/mariadb-install.log" 2>&1
mariadbd --datadir="$work/mariadb" --socket="$work/run/mariadb.sock" --pid-file="$work/run/mariadb.pid" --skip-networking \
    --user=mysql --log-error="$work/run/mariadb.log" &
for _ in $(seq 100); do [ -S "$work/run/mariadb.sock" ] && break; sleep 0.1; done
[ -S "$work/run/mariadb.sock" ] || { echo "wordpress.sh: MariaDB did not start (see $work/run/mariadb.log)" >&2; kill %1 2> /dev/null; exit 1; }
chmod 777 "$work/run/mariadb.sock"
mariadb --socket="$work/run/mariadb.sock" -u root -e \
    "CREATE DATABASE wordpress; CREATE USER 'wordpress'@'localhost' IDENTIFIED BY 'bench'; GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';"

# Debian's wp-config.php reads /etc/wordpress/config-HOST.php for the request's host.
if [ -e "$host_file" ] && ! grep -qs "written by linkback's benchmarks/wordpress.sh" "$host_file"; then
    echo "wordpress.sh: $host_file exists and is not ours; not touching it" >&2; exit 1
fi
cat > "$host_file" <<PHP
<?php
// written by linkback's benchmarks/wordpress.sh; removed when it stops
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', 'bench');
define('DB_HOST', 'localhost:$work/run/mariadb.sock');
define('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');
define('WP_HOME', 'http://127.0.0.1:$port');
define('WP_SITEURL', 'http://127.0.0.1:$port');
\$table_prefix = 'wp_';
PHP
chmod 644 "$host_file"

# Apache with mod_php under prefork, as Debian's packages set it up, on its own port.
modules=/usr/lib/apache2/modules
php_module=$(ls "$modules"/libphp*.so | head -1)
cat > "$work/apache.conf" <<CONF
ServerRoot /etc/apache2
Listen 127.0.0.1:$port
PidFile $work/apache.pid
ErrorLog $work/apache-error.log
User www-data
Group www-data
LoadModule mpm_prefork_module $modules/mod_mpm_prefork.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule dir_module $modules/mod_dir.so
LoadModule mime_module $modules/mod_mime.so
LoadModule rewrite_module $modules/mod_rewrite.so
LoadModule php_module $php_module
TypesConfig /etc/mime.types
StartServers 8
MaxRequestWorkers 64
ServerName 127.0.0.1
DocumentRoot /usr/share/wordpress
DirectoryIndex index.php
<Directory /usr/share/wordpress>
    Require all granted
    AllowOverride None
</Directory>
<FilesMatch "\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>
CONF
apache2 -f "$work/apache.conf" -k start
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

# WordPress's own installer, as a browser would fill it in.
curl -s -o /dev/null --max-time 60 "http://127.0.0.1:$port/wp-admin/install.php?step=2" \
    --data "weblog_title=Bench&user_name=admin&admin_password=bench-Pass-123&admin_password2=bench-Pass-123&pw_weak=1&admin_email=admin%40blog.example&blog_public=0&language="
answer=$(curl -s --max-time 30 "http://127.0.0.1:$port/xmlrpc.php" -H "Content-Type: text/xml" \
    --data '<?xml version="1.0"?><methodCall><methodName>demo.sayHello</methodName></methodCall>')
case "$answer" in
    *Hello*) echo "$port" ;;
    *) echo "wordpress.sh: xmlrpc.php does not answer (see $work/apache-error.log): ${answer:0:200}" >&2; stop; exit 1 ;;
esac
