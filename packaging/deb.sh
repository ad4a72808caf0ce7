#!/usr/bin/env bash
# The body of `make deb`: builds the Debian package with dpkg-deb (no
# debhelper needed) and prints its path last.
#
#   1. a hardened build (dpkg-buildflags, hardening=+all) of nexhina and
#      nexhinactl in $BUILD/deb: the package never ships the dev build
#   2. `make install` of it into a staging root (a temp dir), PREFIX=/usr, unit in
#      /lib/systemd/system (Debian 12's place); binaries stripped as
#      dh_strip does; no /run (tmpfiles.d and the unit make it), no
#      nexhina.conf or secret key (postinst writes them when absent)
#   3. DEBIAN/: control with Depends from dpkg-shlibdeps (the runtime
#      libraries the binaries really link) plus adduser, the maintainer
#      scripts, conffiles, md5sums; /usr/share/doc/nexhina/ gets the
#      copyright and the gzipped changelog
#   4. dpkg-deb --root-owner-group: every file root:root whoever builds
# Result: $BUILD/nexhina_<version>_<arch>.deb.  The version is app/
# version.h's; packaging/debian/changelog must name it on its first line.
# Check it with: lintian $BUILD/nexhina_*.deb
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OBJ=$BUILD/deb
PKG=packaging/debian

die() {
	echo "deb: $*" >&2
	exit 1
}
for c in dpkg-deb dpkg-shlibdeps dpkg-buildflags strip; do
	command -v "$c" >/dev/null || die "$c not found (apt-get install dpkg-dev binutils)"
done
VERSION=$(sed -n 's/^#define[[:space:]]*NX_VERSION[[:space:]]*"\(.*\)"/\1/p' app/version.h)
[ -n "$VERSION" ] || die "no NX_VERSION in app/version.h"
head -n 1 "$PKG/changelog" | grep -q "^nexhina ($VERSION) " ||
    die "$PKG/changelog does not start with version $VERSION"
ARCH=$(dpkg --print-architecture)
OUT=$BUILD/nexhina_${VERSION}_$ARCH.deb

# 1. hardened build (its own object tree: make does not track flags)
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
make -s BUILD="$OBJ" CFLAGS="$CFLAGS" LDFLAGS="$LDFLAGS" \
    "$OBJ/nexhina" "$OBJ/nexhinactl"

# 2. staging tree (outside BUILD: the Makefile includes every *.d there,
# and the tree has a tmpfiles.d)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nexhina-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
STAGE=$tmp/root
BUILD=$OBJ DESTDIR=$STAGE PREFIX=/usr SYSCONFDIR=/etc LOCALSTATEDIR=/var \
    RUNSTATEDIR=/run UNITDIR=/lib/systemd/system packaging/install.sh >/dev/null
rm -rf "${STAGE:?}/run" "${STAGE:?}/var"
rm -f "$STAGE/etc/nexhina/nexhina.conf"
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
    "$STAGE/usr/bin/nexhina" "$STAGE/usr/bin/nexhinactl"
gzip -9n "$STAGE"/usr/share/man/man8/*.8
install -m 644 "$PKG/copyright" "$STAGE/usr/share/doc/nexhina/copyright"
gzip -9n <"$PKG/changelog" >"$STAGE/usr/share/doc/nexhina/changelog.gz"
chmod 644 "$STAGE/usr/share/doc/nexhina/changelog.gz"

# 3. DEBIAN/
install -d -m 755 "$STAGE/DEBIAN"
mkdir "$tmp/debian"
printf 'Source: nexhina\n\nPackage: nexhina\nArchitecture: any\n' \
    >"$tmp/debian/control"
shlibs=$(cd "$tmp" && dpkg-shlibdeps -O -e"$STAGE/usr/bin/nexhina" \
    -e"$STAGE/usr/bin/nexhinactl" 2>"$tmp/shlibdeps.err" |
    sed -n 's/^shlibs:Depends=//p') ||
    { cat "$tmp/shlibdeps.err" >&2; die "dpkg-shlibdeps failed"; }
[ -n "$shlibs" ] || { cat "$tmp/shlibdeps.err" >&2; die "no shlibs:Depends"; }
size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@SIZE@|$size|" \
    -e "s|@SHLIBS@|$shlibs|" "$PKG/control.in" >"$STAGE/DEBIAN/control"
for s in postinst prerm postrm; do
	install -m 755 "$PKG/$s" "$STAGE/DEBIAN/$s"
done
(cd "$STAGE" && find etc -type f -printf '/%p\n' | sort) >"$STAGE/DEBIAN/conffiles"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
    sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
chmod 644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/conffiles" \
    "$STAGE/DEBIAN/md5sums"

# 4. the package
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT" >/dev/null
echo "$OUT"
