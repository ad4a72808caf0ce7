#!/bin/sh
# setup.sh: installs Nexhina into a shared-hosting account, without root.
#
#   setup.sh [-p NEXHINA_HOME] [-w WEBROOT]
#
# NEXHINA_HOME (default ~/nexhina) gets bin/, share/nexhina/schema/, etc/
# (nexhina.conf and secret.key, mode 0600) and nexhina.fcgi; WEBROOT
# (default ~/public_html) gets the console's files and the .htaccess that
# sends the API paths to nexhina.fcgi through mod_fcgid.  Nothing that
# exists is overwritten: an existing .htaccess is left alone and the new
# one is written next to it as .htaccess.nexhina, to merge by hand.
#
# The binaries are taken from the install tree this kit is part of
# (PREFIX/share/nexhina/shared-hosting -> PREFIX/bin), or from the
# directory $NEXHINA_BIN.  Prints what is left to do (database, migrate,
# cron).  Exit status 0, or 1 with a message.
set -eu

kit=$(cd "$(dirname "$0")" && pwd)
home=${HOME:?HOME is not set}/nexhina
web=$HOME/public_html
while getopts p:w: opt; do
	case $opt in
	p) home=$OPTARG ;;
	w) web=$OPTARG ;;
	*) echo "usage: $0 [-p NEXHINA_HOME] [-w WEBROOT]" >&2; exit 2 ;;
	esac
done
prefix=$(cd "$kit/../../.." && pwd)
bin=${NEXHINA_BIN:-$prefix/bin}
share=$prefix/share/nexhina

die() {
	echo "setup: $*" >&2
	exit 1
}
case $home in /*) ;; *) die "NEXHINA_HOME must be absolute: $home" ;; esac
case $web in /*) ;; *) die "WEBROOT must be absolute: $web" ;; esac
# The paths go into .htaccess and a config: keep them plain.
case $home$web in
*[!A-Za-z0-9/._+-]*) die "paths may hold only letters, digits and /._+-" ;;
esac
if [ ! -x "$bin/nexhina" ] || [ ! -x "$bin/nexhinactl" ]; then
	die "no nexhina/nexhinactl in $bin (set NEXHINA_BIN)"
fi
[ -d "$share/schema" ] || share=$kit/../..
[ -d "$share/schema" ] || die "no schema/ next to $kit"

umask 022
mkdir -p "$home/bin" "$home/etc" "$home/share/nexhina" "$web"
chmod 700 "$home/etc"
cp "$bin/nexhina" "$bin/nexhinactl" "$home/bin/"
rm -rf "$home/share/nexhina/schema"
cp -R "$share/schema" "$home/share/nexhina/schema"
cp "$kit/nexhina.fcgi" "$home/nexhina.fcgi"
chmod 755 "$home/nexhina.fcgi" "$home/bin/nexhina" "$home/bin/nexhinactl"

if [ ! -e "$home/etc/secret.key" ]; then
	(
		umask 077
		od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$home/etc/secret.key"
	)
	echo "setup: created $home/etc/secret.key: keep a copy (README," \
	    "\"Backup and restore\")"
fi
if [ ! -e "$home/etc/nexhina.conf" ]; then
	(
		umask 077
		sed "s|@HOME@|$home|g" "$kit/nexhina.conf" >"$home/etc/nexhina.conf"
	)
	echo "setup: created $home/etc/nexhina.conf: set the db_* lines"
fi

if [ -d "$share/web" ]; then
	# -n: the account's own files win.
	cp -Rn "$share/web/." "$web/"
fi
ht=$web/.htaccess
[ ! -e "$ht" ] || ht=$web/.htaccess.nexhina
sed "s|@WRAPPER@|$home/nexhina.fcgi|g" "$kit/htaccess" >"$ht"
chmod 644 "$ht"
[ "$ht" = "$web/.htaccess" ] ||
    echo "setup: $web/.htaccess exists; merge $ht into it"

missing=$(ldd "$home/bin/nexhina" 2>/dev/null | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p')
if [ -n "$missing" ]; then
	echo "setup: the host lacks these libraries: $missing"
	echo "       unpack them from Debian packages into $home/lib/" \
	    "(README.md, step 1)"
fi
cat <<NEXT

Nexhina is in $home.  Left to do:
  1. set db_* in $home/etc/nexhina.conf, then
     $home/bin/nexhina check -c $home/etc/nexhina.conf
  2. $home/bin/nexhina migrate -c $home/etc/nexhina.conf
  3. crontab -e, and add:
     $(sed -n "s|@HOME@|$home|g; /^[^#]/p" "$kit/crontab")
  4. an admin and a channel: $home/bin/nexhinactl -c $home/etc/nexhina.conf ...
NEXT
