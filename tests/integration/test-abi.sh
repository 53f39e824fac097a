#!/bin/sh
# libcvm.so exports exactly the functions its installed headers declare, each
# under the map's version node, and nothing of gdbus-codegen's (cvmd's alone);
# scripts/check-abi.sh notices a declaration nobody exports and an export
# nobody declares, each planted here.
set -eu
CVM_SRCDIR=${CVM_SRCDIR:-$(pwd)}
cd "$CVM_SRCDIR"
. tests/integration/lib.sh
SO="$BUILDDIR/libcvm.so.0"

[ -f "$SO" ] || fail "no $SO (make build)"
scripts/check-abi.sh "$SO" || fail "headers, libcvm.map and $SO differ"
if nm -D --defined-only "$SO" | grep -q ' cvm_dbus_'; then
	fail "generated D-Bus code exported: $(nm -D --defined-only "$SO" | grep -c ' cvm_dbus_') cvm_dbus_* symbols"
fi
nm -D --defined-only "$SO" | grep -q ' T cvm_igvm_open@@CVM_0\.1$' || fail "cvm_igvm_open not under CVM_0.1"

# A header declaring a function the library does not export.
cp -r libcvm/include "$TMP/include"
printf '#pragma once\nvoid cvm_planted_declared(int n);\n' >"$TMP/include/cvm/planted.h"
if scripts/check-abi.sh "$SO" "$TMP/include" 2>"$TMP/err1"; then
	fail "a declared function missing from the library went unnoticed"
fi
grep -A1 'declared in a header but not exported' "$TMP/err1" | grep -q 'cvm_planted_declared' ||
	fail "planted declaration not named: $(cat "$TMP/err1")"

# A library exporting a function no header declares: libcvm's objects plus
# one more, linked with the map plus its name.
cat >"$TMP/planted.c" <<'C'
int cvm_planted_exported(int n);
int cvm_planted_exported(int n) { return n + 1; }
C
cc -fPIC -c -o "$TMP/planted.o" "$TMP/planted.c"
sed 's/^\tlocal:/\t\tcvm_planted_exported;\n\tlocal:/' libcvm/libcvm.map >"$TMP/planted.map"
cc -shared -o "$TMP/libplanted.so" -Wl,--version-script="$TMP/planted.map" \
	-Wl,--whole-archive "$BUILDDIR/libcvm.a" -Wl,--no-whole-archive "$TMP/planted.o" ||
	fail "link the planted library"
if scripts/check-abi.sh "$TMP/libplanted.so" libcvm/include "$TMP/planted.map" 2>"$TMP/err2"; then
	fail "an exported function no header declares went unnoticed"
fi
grep -A1 'exported by libplanted.so but declared in no header' "$TMP/err2" | grep -q 'cvm_planted_exported' ||
	fail "planted export not named: $(cat "$TMP/err2")"
echo ok
