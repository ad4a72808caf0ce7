#!/bin/sh
# Rejects the functions CONVENTIONS.md bans.  Matches a call: name followed
# by "(" and not preceded by an identifier character or "_".
set -u
cd "$(dirname "$0")/.." || exit 2
pat='(^|[^A-Za-z0-9_])(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|sscanf|gets)[[:space:]]*\('
hits=$(grep -rnE "$pat" --include='*.c' --include='*.h' app handlers tools tests 2>/dev/null)
if [ -n "$hits" ]; then
	echo "banned functions used:"
	echo "$hits"
	exit 1
fi
echo "lint: no banned functions"
