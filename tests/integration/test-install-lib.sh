#!/bin/sh
# make install with PREFIX and DESTDIR: libcvm.so with its SONAME and only
# cvm_* symbols exported, the static archive, the headers under include/cvm/
# and cvm.pc; a program built against the installed tree with pkg-config
# links, runs and reads an IGVM file.
set -eu
. tests/integration/lib.sh

make --no-print-directory BUILDDIR="$BUILDDIR" PREFIX=/opt/cvm DESTDIR="$TMP/root" install >"$TMP/log" 2>&1 ||
	{ cat "$TMP/log" >&2; fail "make install"; }
R="$TMP/root/opt/cvm"
for f in lib/libcvm.a lib/pkgconfig/cvm.pc include/cvm/igvm.h include/cvm/launch.h include/cvm/error.h bin/cvmctl; do
	[ -s "$R/$f" ] || fail "missing $f"
done
so=$(readlink -f "$R/lib/libcvm.so")
[ -f "$so" ] || fail "libcvm.so does not lead to a file"
readelf -d "$so" | grep -q 'SONAME.*\[libcvm\.so\.0\]' || fail "SONAME: $(readelf -d "$so" | grep SONAME)"
other=$(nm -D --defined-only "$so" | awk '$2 ~ /[TDBR]/ {sub(/@.*/, "", $3); print $3}' | grep -v '^cvm_' || true)
[ -z "$other" ] || fail "exported symbols other than cvm_*: $(echo "$other" | head -5)"
nm -D --defined-only "$so" | grep -q ' T cvm_igvm_open@@CVM_0\.1$' || fail "cvm_igvm_open not exported"
grep -q '^prefix=/opt/cvm$' "$R/lib/pkgconfig/cvm.pc" || fail "cvm.pc prefix"

cat >"$TMP/use.c" <<'C'
#include <cvm/igvm.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	GError *error = NULL;
	CvmIgvm *igvm = cvm_igvm_open(argv[1], CVM_IGVM_NONE, &error);
	if (igvm == NULL) { fprintf(stderr, "%s\n", error->message); return 1; }
	printf("%u headers\n", cvm_igvm_get_n_headers(igvm));
	cvm_igvm_free(igvm);
	return argc == 2 ? 0 : 1;
}
C
export PKG_CONFIG_PATH="$R/lib/pkgconfig"
# cvm.pc names /opt/cvm; the files are under DESTDIR.
flags=$(pkg-config --cflags cvm | sed "s|/opt/cvm|$R|g")
libs=$(pkg-config --libs cvm | sed "s|/opt/cvm|$R|g")
# shellcheck disable=SC2086
cc -Wall -Werror -o "$TMP/use" "$TMP/use.c" $flags $libs || fail "build against the installed library"
"$R/bin/cvmctl" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null
out=$(LD_LIBRARY_PATH="$R/lib" "$TMP/use" "$TMP/hello.igvm") || fail "run: $out"
[ "$out" = "2 headers" ] || fail "program output: $out"
ldd "$TMP/use" | grep -q "$R/lib/libcvm.so.0" 2>/dev/null || LD_LIBRARY_PATH="$R/lib" ldd "$TMP/use" | grep -q "libcvm.so.0" ||
	fail "not linked to libcvm.so.0"
echo ok
