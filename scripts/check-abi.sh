#!/bin/sh
# libcvm's ABI, three lists that must be one:
#   declared  the functions the installed headers (INCLUDEDIR/cvm/*.h) declare,
#             read by the compiler (gcc -aux-info), not by pattern matching
#   mapped    the names libcvm/libcvm.map exports, in its version node
#   exported  what the shared library exports (nm -D --defined-only)
#
#   check-abi.sh LIBSO [INCLUDEDIR [MAP]]   compare; exit 1 naming every mismatch
#   check-abi.sh --declared [INCLUDEDIR]    print the declared list
#   check-abi.sh --map [INCLUDEDIR]         print a libcvm.map for that list
#                                           (after adding API: > libcvm/libcvm.map)
set -eu
NODE=CVM_0.1
PKGS="glib-2.0 gio-2.0 gio-unix-2.0 libvirt json-c libxml-2.0"

declared() {
	inc=$1
	work=$(mktemp -d)
	for h in "$inc"/cvm/*.h; do
		echo "#include <cvm/$(basename "$h")>"
	done >"$work/all.c"
	# -aux-info writes one prototype per declared function with its origin;
	# static inline helpers in the headers are not part of the ABI.
	# shellcheck disable=SC2046
	gcc -D_GNU_SOURCE $(pkg-config --cflags $PKGS) -I"$inc" -fsyntax-only \
		-aux-info "$work/aux" "$work/all.c" || { rm -rf "$work"; exit 2; }
	grep -F "$inc/cvm/" "$work/aux" | grep -v '\*/ static ' |
		sed -e 's|^/\*[^*]*\*/ ||' -n -e 's/^[^(]*[^A-Za-z0-9_]\(cvm_[A-Za-z0-9_]*\) *(.*/\1/p' |
		LC_ALL=C sort -u
	rm -rf "$work"
}

mapped() {
	sed -n 's/^[[:space:]]*\(cvm_[A-Za-z0-9_]*\);.*/\1/p' "$1" | LC_ALL=C sort -u
}

exported() {
	nm -D --defined-only "$1" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | LC_ALL=C sort -u
}

case "${1:-}" in
--declared)
	declared "${2:-libcvm/include}"
	exit 0
	;;
--map)
	echo "/* libcvm's ABI: exactly the functions libcvm/include/cvm/*.h declare"
	echo " * (scripts/check-abi.sh --map writes this file; tests/integration/test-abi.sh"
	echo " * compares it with the headers and with libcvm.so). Internal cross-file"
	echo " * helpers are named cvmi_* and stay local. */"
	echo "$NODE {"
	echo "	global:"
	declared "${2:-libcvm/include}" | sed 's/.*/		&;/'
	echo "	local:"
	echo "		*;"
	echo "};"
	exit 0
	;;
"" | -*)
	echo "usage: $0 LIBSO [INCLUDEDIR [MAP]] | --declared [INCLUDEDIR] | --map [INCLUDEDIR]" >&2
	exit 2
	;;
esac

so=$1
inc=${2:-libcvm/include}
map=${3:-libcvm/libcvm.map}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declared "$inc" >"$tmp/declared"
mapped "$map" >"$tmp/mapped"
exported "$so" >"$tmp/exported"
[ -s "$tmp/declared" ] || { echo "check-abi: no declaration found under $inc/cvm" >&2; exit 2; }

rc=0
report() {
	# $1: message, $2 $3: lists; prints what is in $2 and not in $3
	LC_ALL=C comm -23 "$2" "$3" >"$tmp/diff"
	if [ -s "$tmp/diff" ]; then
		echo "check-abi: $1:" >&2
		sed 's/^/  /' "$tmp/diff" >&2
		rc=1
	fi
}
report "exported by $(basename "$so") but declared in no header" "$tmp/exported" "$tmp/declared"
report "declared in a header but not exported (add to $map, or define it)" "$tmp/declared" "$tmp/exported"
report "in $map but declared in no header" "$tmp/mapped" "$tmp/declared"
report "declared in a header but missing from $map" "$tmp/declared" "$tmp/mapped"
# Every export carries the map's version node, so a later release can add
# a node without breaking programs linked against this one.
unversioned=$(nm -D --defined-only "$so" | awk -v n="@@$NODE" '$2 != "A" && index($3, n) == 0 { print $3 }')
if [ -n "$unversioned" ]; then
	echo "check-abi: exported without version node $NODE:" >&2
	echo "$unversioned" | sed 's/^/  /' >&2
	rc=1
fi
[ $rc -eq 0 ] && echo "check-abi: $(wc -l <"$tmp/exported") functions, headers = map = $(basename "$so")"
exit $rc
