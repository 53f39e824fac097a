#!/bin/sh
# cvmctl(1) is the manual (issue 16, item 9): every command and subcommand
# cvmctl's --help lists is named in the man page the build made from
# docs/cvmctl.md, and every option of a command's --help is described in
# that command's section (the one whose heading names it, else its group's),
# so that a new command or option without its documentation fails here.
# The page must also render with man(1) and carry the exit-code table.
set -eu
. tests/integration/lib.sh
MAN="$(pwd)/$BUILDDIR/man/cvmctl.1"
[ -s "$MAN" ] || fail "no $MAN (make builds it from docs/cvmctl.md with pandoc)"
[ "$MAN" -nt docs/cvmctl.md ] || fail "$MAN is older than docs/cvmctl.md: run make"

# The roff as text, one line per paragraph line; "@@ " marks a heading.
sed -e 's/\\-/-/g' -e 's/\\f\[[A-Z]*\]//g' -e 's/\\f[BIRPV]//g' -e "s/\\\\\[cq\]/'/g" \
	-e 's/\\\[ti\]/~/g' -e 's/\\(rs/\\/g' "$MAN" |
	awk '/^\.S[HS] / { sub(/^\.S[HS] /, ""); gsub(/"/, ""); print "@@ " $0; next }
	     /^\./ { next } { print }' >"$TMP/man.txt"

# section PREFIX: the text of every section whose heading names
# "cvmctl PREFIX" (followed by a space or the end of the heading)
section() {
	awk -v want="cvmctl $1" '
		/^@@ / { h = substr($0, 4) " "; on = index(h, want " ") > 0 }
		on { print }' "$TMP/man.txt"
}

# options CMD...: the long options a command's --help lists, but the ones
# every command has (-v/--verbose, --help), described once
options() {
	"$CVMCTL" "$@" --help 2>/dev/null | sed -n '/^Application Options:/,$p' |
		grep -o -- '^ *\(-[a-zA-Z], \)\?--[a-z0-9-]*' | grep -o -- '--[a-z0-9-]*' |
		grep -v -x -- '--verbose' || true
}

missing=""
checked=0
# walk PREFIX...: a command, or a group whose --help lists "Commands:"
walk() {
	help=$("$CVMCTL" "$@" --help 2>&1) || true
	subs=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
	if [ -n "$subs" ]; then
		for sub in $subs; do walk "$@" "$sub"; done
		return
	fi
	name="$*"
	checked=$((checked + 1))
	grep -q -- "cvmctl $name\([^a-z0-9-]\|\$\)" "$TMP/man.txt" || missing="$missing
command: cvmctl $name"
	# its own section, else its group's, else (a top-level command) none
	text=""
	prefix="$name"
	while [ -n "$prefix" ]; do
		text=$(section "$prefix")
		[ -n "$text" ] && break
		case "$prefix" in *" "*) prefix=${prefix% *} ;; *) prefix="" ;; esac
	done
	[ -n "$text" ] || { missing="$missing
section: cvmctl $name"; return; }
	for opt in $(options "$@"); do
		printf '%s\n' "$text" | grep -q -- "$opt\([^a-z0-9-]\|\$\)" || missing="$missing
option: cvmctl $name $opt"
	done
}
top=$("$CVMCTL" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$top" ] || fail "cvmctl --help lists no commands"
for c in $top; do walk "$c"; done
[ -z "$missing" ] || fail "not in cvmctl(1) (docs/cvmctl.md):$missing"
[ "$checked" -ge 30 ] || fail "only $checked commands found in cvmctl's --help"

# cvmctl's own options and the exit-code table.
for opt in --bus --verbose --version; do
	grep -q -- "$opt" "$TMP/man.txt" || fail "cvmctl $opt not in cvmctl(1)"
done
grep -q '^@@ EXIT STATUS' "$TMP/man.txt" || fail "no EXIT STATUS section"
for code in 0 1 2 3 4 5; do
	grep -q "^T{\?$code\$\|^$code\$" "$TMP/man.txt" || grep -q "^$code	" "$TMP/man.txt" ||
		fail "exit code $code not in the EXIT STATUS table"
done
LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$MAN" >"$TMP/rendered" 2>"$TMP/man.err" || fail "man -l: $(cat "$TMP/man.err")"
[ ! -s "$TMP/man.err" ] || fail "man -l: $(cat "$TMP/man.err")"
grep -q "CVMCTL(1)" "$TMP/rendered" || fail "rendered page has no CVMCTL(1) header"
echo "test-cvmctl-man: ok ($checked commands)"
