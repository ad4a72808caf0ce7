#!/usr/bin/env bash
# Installs what building, running and testing Nexhina needs on Debian 12,
# and nothing when it is all there (then it prints one line).
#
#  - Debian packages: checked one by one with dpkg-query; only when some are
#    missing: one `apt-get update` and one `apt-get install` of those.
#  - Installing mariadb-server, apache2, lighttpd or nginx would start their
#    system services (which grab port 80 and 3306); a temporary
#    /usr/sbin/policy-rc.d that answers 101 ("action forbidden") stops
#    that.  It is removed again unless it was there before.  We run our own
#    private instances instead (tools/stack/db.sh, web.sh; web.sh names
#    whoever holds a port it needs).
#  - npm packages of tests/clients (the official SDKs, playwright-core),
#    when its node_modules is missing or older than package-lock.json:
#    `npm ci` from the lockfile.  The same for tools/tokens (tiktoken and
#    the Unicode data the token tables are generated from at build time)
#    and tests/browser (playwright-core, with Debian's chromium).
#
# Usage: tools/stack/deps.sh        (make deps; make run/test call it)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# name[|alternative...][:command]  -- the package counts as present when it
# or an alternative is installed, or when the command is on PATH (nodejs
# and npm from NodeSource come as one package without Debian's `npm`, and
# installing Debian's npm next to it would conflict).
PKGS=(
	build-essential
	pkg-config
	libfcgi-dev
	libfcgi-bin
	libcurl4-openssl-dev
	libcjson-dev
	libmariadb-dev
	libssl-dev
	libcrypt-dev
	libb64-dev
	libmicrohttpd-dev
	mariadb-server
	mariadb-client
	lighttpd
	apache2
	libapache2-mod-fcgid
	spawn-fcgi
	"nginx-light|nginx-core|nginx-full|nginx-extras|nginx:nginx"
	curl
	wrk
	"nodejs:node"
	"npm:npm"
	ca-certificates
	# ps, for tests that look at the worker processes (not in minimal
	# images).
	procps
	# make deb and tests/integration/install.sh: the package checker;
	# the run-mode tests also read JSON (jq), listen for sd_notify
	# datagrams (socat) and verify the unit (systemd-analyze).
	lintian
	jq
	socat
	"systemd:systemd-analyze"
	# make fuzz: libFuzzer harnesses (tests/fuzz/run.sh).
	clang
	libclang-rt-14-dev
	# tests/browser: playwright-core drives Debian's Chromium
	# (/usr/bin/chromium) against the console.
	chromium
)

installed() {
	local st
	st=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[ "$st" = "install ok installed" ]
}

missing=()
for spec in "${PKGS[@]}"; do
	names=${spec%%:*}
	cmd=
	[ "$spec" = "$names" ] || cmd=${spec#*:}
	ok=0
	IFS='|' read -r -a alts <<<"$names"
	for n in "${alts[@]}"; do
		if installed "$n"; then
			ok=1
			break
		fi
	done
	if [ "$ok" = 0 ] && [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then
		ok=1
	fi
	[ "$ok" = 1 ] || missing+=("${alts[0]}")
done

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	elif [ ${#missing[@]} -gt 0 ]; then
		echo "deps: missing ${missing[*]}; not root and no sudo" >&2
		exit 1
	fi
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	policy=/usr/sbin/policy-rc.d
	own_policy=0
	if [ ! -e "$policy" ]; then
		# invoke-rc.d asks this script before starting any service;
		# 101 means "action not allowed".
		printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
		"${SUDO[@]}" chmod 755 "$policy"
		own_policy=1
	fi
	cleanup_policy() {
		if [ "$own_policy" = 1 ]; then
			"${SUDO[@]}" rm -f "$policy"
		fi
	}
	trap cleanup_policy EXIT
	"${SUDO[@]}" apt-get update -q
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -q --no-install-recommends "${missing[@]}"
	cleanup_policy
	own_policy=0
	trap - EXIT
fi

# npm packages: when node_modules is missing, or older than the lockfile
# (npm writes node_modules/.package-lock.json on every install).
npm_done=0
cl=$ROOT/tests/clients
if [ -f "$cl/package.json" ] && { [ ! -d "$cl/node_modules" ] ||
    [ "$cl/package-lock.json" -nt "$cl/node_modules/.package-lock.json" ]; }; then
	echo "deps: installing npm packages in tests/clients"
	cd "$cl"
	if [ -f package-lock.json ]; then
		npm ci --no-audit --no-fund --loglevel=error
	else
		npm install --no-audit --no-fund --loglevel=error
	fi
	npm_done=1
fi

# npm packages of tools/tokens (the build step of the token tables,
# Makefile's $(TOKDATA)): same rule.
tk=$ROOT/tools/tokens
if [ ! -d "$tk/node_modules" ] ||
    [ "$tk/package-lock.json" -nt "$tk/node_modules/.package-lock.json" ]; then
	echo "deps: installing npm packages in tools/tokens"
	(cd "$tk" && npm ci --no-audit --no-fund --loglevel=error)
	npm_done=1
fi

# npm packages of tests/browser (playwright-core for the console's browser
# tests): same rule.
br=$ROOT/tests/browser
if [ -f "$br/package-lock.json" ] && { [ ! -d "$br/node_modules" ] ||
    [ "$br/package-lock.json" -nt "$br/node_modules/.package-lock.json" ]; }; then
	echo "deps: installing npm packages in tests/browser"
	(cd "$br" && npm ci --no-audit --no-fund --loglevel=error)
	npm_done=1
fi

if [ ${#missing[@]} -eq 0 ] && [ "$npm_done" = 0 ]; then
	echo "deps: all present"
fi
