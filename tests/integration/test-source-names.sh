#!/bin/sh
# Every .c file opens with its SPDX line and then a comment saying what it
# holds; every path into the tree (libcvm/..., docs/..., tests/...) that a
# source file, script or document names exists. Renaming a file without its
# mentions, or adding an unexplained file, fails here.
set -eu
CVM_SRCDIR=${CVM_SRCDIR:-$(pwd)}
cd "$CVM_SRCDIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -co --exclude-standard >"$TMP/files"
else
	find . -path './build*' -prune -o -path ./debian/build -prune -o -type f -print | sed 's|^\./||' >"$TMP/files"
fi
grep -v '^tests/data/' "$TMP/files" >"$TMP/own"

# One awk and one grep over all files: this runs in make check.
grep '\.c$' "$TMP/own" | while read -r f; do [ -f "$f" ] && echo "$f"; done >"$TMP/cfiles"
xargs awk 'FNR == 1 && !/SPDX-License-Identifier/ { print FILENAME ": line 1 is not the SPDX line" }
	FNR == 2 && !/^\/\*/ { print FILENAME ": line 2 does not say what the file holds" }' <"$TMP/cfiles" >"$TMP/heads"

# A path is one of the tree's top folders followed by a file name; one
# preceded by another folder (qemu's target/i386/sev.c) is someone else's.
top='(libcvm|igvm|measure|launch|attest|migrate|fwupdate|cvmctl|cvmd|hook|tests|docs|scripts|dist|mk|data|examples|debian)'
grep -E '\.(c|h|sh|md|mk|in|conf|xml)$|^Makefile$|^docs/man/' "$TMP/own" |
	while read -r f; do [ -f "$f" ] && echo "$f"; done |
	xargs grep -HnoP "(?<![\\w/.\$@{-])$top/[A-Za-z0-9_./-]*[A-Za-z0-9_]\\.(c|h|sh|md|xml|mk|in|conf|map|json|supp|pem|bin)\\b" |
	while IFS=: read -r f line path; do
		[ -e "$path" ] || echo "$f:$line: names $path, which does not exist"
	done >"$TMP/names"

if [ -s "$TMP/heads" ]; then
	cat "$TMP/heads" >&2
	fail=1
fi
if [ -s "$TMP/names" ]; then
	cat "$TMP/names" >&2
	fail=1
fi
[ $fail -eq 0 ] || exit 1
echo "ok: $(grep -c '\.c$' "$TMP/own") .c files with a summary line, every named tree path exists"
