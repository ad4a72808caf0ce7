#!/usr/bin/env bash
# The body of `make install`: copies a built Nexhina into an FHS tree.
#
# Environment (the Makefile passes all of them):
#   BUILD          build directory holding nexhina and nexhinactl
#   DESTDIR        staging root, prepended to every path ("" = live system)
#   PREFIX         /usr/local            binaries, shared data, docs
#   SYSCONFDIR     /etc                  config: SYSCONFDIR/nexhina/
#   LOCALSTATEDIR  /var                  state:  LOCALSTATEDIR/lib/nexhina
#   RUNSTATEDIR    /run                  socket: RUNSTATEDIR/nexhina
#   UNITDIR        PREFIX/lib/systemd/system
#
# What lands where (README "Install"):
#   PREFIX/bin/nexhina, PREFIX/bin/nexhinactl
#   SYSCONFDIR/nexhina/nexhina.conf.sample   every key, commented (always
#                                            rewritten: it is documentation)
#   SYSCONFDIR/nexhina/nexhina.conf          only when absent (mode 0600):
#                                            an edited config is never touched
#   SYSCONFDIR/nexhina/secret.key            only on a live install (no
#                                            DESTDIR) and when absent: 32
#                                            random bytes as hex, mode 0600
#   PREFIX/share/nexhina/schema/             migrations (nexhina migrate)
#   PREFIX/share/nexhina/web/                the console (web/, or a
#                                            placeholder page before it exists)
#   PREFIX/share/nexhina/deploy/             web server snippets, spawn-fcgi
#   PREFIX/share/nexhina/shared-hosting/     the mod_fcgid kit
#   PREFIX/share/nexhina/nexhina.conf.dist   the initial nexhina.conf
#   UNITDIR/nexhina.service                  paths rewritten for PREFIX
#   PREFIX/lib/tmpfiles.d/nexhina.conf       /run/nexhina at boot
#   PREFIX/share/doc/nexhina/                README.md, docs/
#   PREFIX/share/man/man8/                   nexhina.8, nexhinactl.8
#   LOCALSTATEDIR/lib/nexhina/, RUNSTATEDIR/nexhina/   (mode 0750)
# On a live install as root with a `nexhina` user, the config, the key and
# the state directory are given to that user.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
: "${BUILD:=build}" "${PREFIX:=/usr/local}" "${SYSCONFDIR:=/etc}"
: "${LOCALSTATEDIR:=/var}" "${RUNSTATEDIR:=/run}"
: "${UNITDIR:=$PREFIX/lib/systemd/system}"
DESTDIR=${DESTDIR:-}

for v in PREFIX SYSCONFDIR LOCALSTATEDIR RUNSTATEDIR UNITDIR; do
	case ${!v} in
	/*) ;;
	*) echo "install: $v must be an absolute path: ${!v}" >&2; exit 2 ;;
	esac
done
for b in nexhina nexhinactl; do
	[ -x "$BUILD/$b" ] || { echo "install: $BUILD/$b not built" >&2; exit 1; }
done

D=$DESTDIR
BINDIR=$PREFIX/bin
DATADIR=$PREFIX/share/nexhina
DOCDIR=$PREFIX/share/doc/nexhina
ETC=$SYSCONFDIR/nexhina
TMPFILESDIR=$PREFIX/lib/tmpfiles.d

say() { echo "install: $*"; }

# The first nexhina.conf: the keys an operator must look at, for this
# tree's paths; everything else keeps its default (see the .sample).
dist_conf() {
	cat <<CONF
# Nexhina configuration.  Written once by the installer and then yours:
# upgrades never overwrite it.  Every key, with its help, type, bounds and
# default, is in $ETC/nexhina.conf.sample (also: nexhina sample-config).
# Check it with: nexhina check -c $ETC/nexhina.conf

# FastCGI socket for the web server (group www-data may connect).  Leave
# listen out when spawn-fcgi or the web server hands over the socket.
listen = unix:$RUNSTATEDIR/nexhina/fcgi.sock
listen_mode = 0660
workers = 2
threads = 16

# MariaDB: create the database and user first (README "Install"), then
# run: nexhina migrate -c $ETC/nexhina.conf
db_socket = /run/mysqld/mysqld.sock
db_user = nexhina
db_password = ""
db_name = nexhina

# 64 hex digits sealing the channel credentials; keep a copy with the
# database backups (README "Backup and restore").
secret_key_file = $ETC/secret.key

# stderr = the journal under systemd; or syslog.
log = stderr
status_file = $RUNSTATEDIR/nexhina/status
CONF
}

install -d -m 755 "$D$BINDIR" "$D$ETC" "$D$DATADIR/schema" "$D$DATADIR/web" \
    "$D$DATADIR/deploy" "$D$DATADIR/shared-hosting" "$D$UNITDIR" \
    "$D$TMPFILESDIR" "$D$DOCDIR"
install -d -m 750 "$D$LOCALSTATEDIR/lib/nexhina" "$D$RUNSTATEDIR/nexhina"

install -m 755 "$BUILD/nexhina" "$BUILD/nexhinactl" "$D$BINDIR/"

# Config: the sample always, the live file only when absent.
"$BUILD/nexhina" sample-config >"$D$ETC/nexhina.conf.sample"
chmod 644 "$D$ETC/nexhina.conf.sample"
dist_conf >"$D$DATADIR/nexhina.conf.dist"
chmod 644 "$D$DATADIR/nexhina.conf.dist"
if [ -e "$D$ETC/nexhina.conf" ]; then
	say "kept $D$ETC/nexhina.conf"
else
	install -m 600 "$D$DATADIR/nexhina.conf.dist" "$D$ETC/nexhina.conf"
fi
if [ -z "$D" ] && [ ! -e "$ETC/secret.key" ]; then
	(
		umask 077
		od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$ETC/secret.key"
	)
	say "created $ETC/secret.key (back it up: README \"Backup and restore\")"
fi

install -m 644 schema/*.sql "$D$DATADIR/schema/"
if [ -d web ] && [ -n "$(ls -A web 2>/dev/null)" ]; then
	cp -R web/. "$D$DATADIR/web/"
	find "$D$DATADIR/web" -type d -exec chmod 755 {} + -o -type f -exec chmod 644 {} +
else
	printf '%s\n' '<!doctype html><title>Nexhina</title>' \
	    '<p>Nexhina is installed; this version has no console yet.' \
	    >"$D$DATADIR/web/index.html"
	chmod 644 "$D$DATADIR/web/index.html"
fi

for s in apache lighttpd nginx; do
	install -d -m 755 "$D$DATADIR/deploy/$s"
	install -m 644 "deploy/$s/nexhina.conf" "$D$DATADIR/deploy/$s/"
done
install -d -m 755 "$D$DATADIR/deploy/spawn-fcgi" "$D$DATADIR/deploy/systemd"
install -m 644 deploy/spawn-fcgi/README.md "$D$DATADIR/deploy/spawn-fcgi/"
install -m 755 deploy/spawn-fcgi/nexhina-spawn-fcgi "$D$DATADIR/deploy/spawn-fcgi/"
install -m 644 deploy/systemd/nexhina.service deploy/systemd/nexhina.tmpfiles \
    "$D$DATADIR/deploy/systemd/"
install -m 644 deploy/shared-hosting/README.md deploy/shared-hosting/htaccess \
    deploy/shared-hosting/nexhina.conf deploy/shared-hosting/crontab \
    "$D$DATADIR/shared-hosting/"
install -m 755 deploy/shared-hosting/nexhina.fcgi deploy/shared-hosting/setup.sh \
    "$D$DATADIR/shared-hosting/"

# The unit names installed paths: rewrite them for this PREFIX/SYSCONFDIR.
sed -e "s|/usr/bin/nexhina|$BINDIR/nexhina|g" \
    -e "s|/etc/nexhina/|$ETC/|g" \
    -e "s|/usr/share/doc/nexhina/|$DOCDIR/|g" \
    -e "s|/run/nexhina|$RUNSTATEDIR/nexhina|g" \
    deploy/systemd/nexhina.service >"$D$UNITDIR/nexhina.service"
chmod 644 "$D$UNITDIR/nexhina.service"
sed -e "s|/run/nexhina|$RUNSTATEDIR/nexhina|g" \
    deploy/systemd/nexhina.tmpfiles >"$D$TMPFILESDIR/nexhina.conf"
chmod 644 "$D$TMPFILESDIR/nexhina.conf"

install -d -m 755 "$D$PREFIX/share/man/man8"
install -m 644 packaging/man/nexhina.8 packaging/man/nexhinactl.8 \
    "$D$PREFIX/share/man/man8/"
install -m 644 README.md "$D$DOCDIR/"
install -d -m 755 "$D$DOCDIR/docs"
install -m 644 docs/*.md "$D$DOCDIR/docs/"

if [ -z "$D" ] && [ "$(id -u)" -eq 0 ] && id -u nexhina >/dev/null 2>&1; then
	chown nexhina: "$ETC/nexhina.conf" "$LOCALSTATEDIR/lib/nexhina"
	[ ! -e "$ETC/secret.key" ] || chown nexhina: "$ETC/secret.key"
	chmod 600 "$ETC/nexhina.conf"
fi
say "installed into ${D:-/} (PREFIX=$PREFIX)"
