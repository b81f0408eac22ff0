#!/usr/bin/env bash
# `make install`, `make install-systemd` and `make uninstall`, honouring PREFIX and DESTDIR.
#
#   scripts/install.sh install BINARY     the binary, the configuration (never overwritten), Public/,
#                                         the fail2ban files, the proxy snippets and logrotate
#   scripts/install.sh systemd            the systemd unit
#   scripts/install.sh uninstall          everything above except configuration and data
#
# As root without DESTDIR it also creates the linkback system user and the state and log
# directories, owned by it. Paths: PREFIX (/usr/local), SYSCONFDIR (/etc), STATEDIR
# (/var/lib/linkback), LOGDIR (/var/log/linkback).
set -euo pipefail

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
SYSCONFDIR=${SYSCONFDIR:-/etc}
STATEDIR=${STATEDIR:-/var/lib/linkback}
LOGDIR=${LOGDIR:-/var/log/linkback}
SHARE=$PREFIX/share/linkback
here=$(cd "$(dirname "$0")/.." && pwd)

as_system() { [ -z "$DESTDIR" ] && [ "$(id -u)" -eq 0 ]; }

install_files() {
    local binary=$1
    [ -x "$binary" ] || { echo "install: no built binary at $binary (run make release)" >&2; exit 1; }
    install -d "$DESTDIR$PREFIX/bin" "$DESTDIR$SHARE/public" "$DESTDIR$SYSCONFDIR/linkback" \
        "$DESTDIR$SYSCONFDIR/logrotate.d" "$DESTDIR$STATEDIR" "$DESTDIR$LOGDIR"
    install -m 0755 "$binary" "$DESTDIR$PREFIX/bin/linkback"
    strip "$DESTDIR$PREFIX/bin/linkback" 2>/dev/null || true
    install -m 0644 "$here"/Public/* "$DESTDIR$SHARE/public/"
    for kind in filter.d jail.d action.d; do
        install -d "$DESTDIR$SHARE/fail2ban/$kind"
        install -m 0644 "$here"/config/fail2ban/$kind/* "$DESTDIR$SHARE/fail2ban/$kind/"
    done
    for server in apache nginx; do
        install -d "$DESTDIR$SHARE/$server"
        install -m 0644 "$here"/config/$server/* "$DESTDIR$SHARE/$server/"
    done
    sed -e "s|path: var/linkback.sqlite|path: $STATEDIR/linkback.sqlite|" \
        -e "s|fail2ban_log: var/fail2ban.log|fail2ban_log: $LOGDIR/rejections.log|" \
        -e "s|public_dir: Public|public_dir: $SHARE/public|" \
        "$here/config/linkback.yaml" > "$DESTDIR$SHARE/linkback.yaml.sample"
    chmod 0644 "$DESTDIR$SHARE/linkback.yaml.sample"
    local config=$DESTDIR$SYSCONFDIR/linkback/linkback.yaml
    if [ -e "$config" ]; then
        echo "kept $config (the new sample is $DESTDIR$SHARE/linkback.yaml.sample)"
    else
        install -m 0640 "$DESTDIR$SHARE/linkback.yaml.sample" "$config"
    fi
    sed -e "s|/var/log/linkback/|$LOGDIR/|" "$here/config/logrotate/linkback" > "$DESTDIR$SYSCONFDIR/logrotate.d/linkback"
    chmod 0644 "$DESTDIR$SYSCONFDIR/logrotate.d/linkback"
    if as_system; then
        if ! id linkback >/dev/null 2>&1; then
            useradd --system --home-dir "$STATEDIR" --no-create-home --shell /usr/sbin/nologin linkback
        fi
        chown linkback:linkback "$STATEDIR" "$LOGDIR"
        chmod 0750 "$STATEDIR" "$LOGDIR"
        chgrp linkback "$config"
    fi
}

install_systemd() {
    local unit=$DESTDIR$SYSCONFDIR/systemd/system/linkback.service
    install -d "$(dirname "$unit")"
    sed -e "s|/usr/local/bin/linkback|$PREFIX/bin/linkback|g" -e "s|/etc/linkback/|$SYSCONFDIR/linkback/|g" \
        "$here/config/systemd/linkback.service" > "$unit"
    chmod 0644 "$unit"
    if as_system && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
}

uninstall() {
    rm -f "$DESTDIR$PREFIX/bin/linkback" "$DESTDIR$SYSCONFDIR/logrotate.d/linkback" \
        "$DESTDIR$SYSCONFDIR/systemd/system/linkback.service"
    rm -rf "$DESTDIR$SHARE"
    echo "left alone: $DESTDIR$SYSCONFDIR/linkback, $DESTDIR$STATEDIR, $DESTDIR$LOGDIR and the linkback user"
}

case "${1:-}" in
    install) install_files "${2:?the binary to install}" ;;
    systemd) install_systemd ;;
    uninstall) uninstall ;;
    *) echo "usage: $0 install BINARY | systemd | uninstall" >&2; exit 2 ;;
esac
