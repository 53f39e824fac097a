#!/bin/sh
# The rooms and floors of docs/architecture.md hold in the tree
# (scripts/check-rooms.sh), and the check fails on each kind of violation
# planted in a scratch copy: a private header used from another folder, the
# ground floor including a room above it (by a room's header and by an
# installed one), an application including a room's own header, and an
# installed header that belongs to no room.
set -eu
SRC=${CVM_SRCDIR:-$(pwd)}
. tests/integration/lib.sh

sh "$SRC/scripts/check-rooms.sh" "$SRC" >"$TMP/tree.out" 2>&1 ||
	fail "the tree breaks its rooms: $(cat "$TMP/tree.out")"

# plant NAME FILE LINE PATTERN: a fresh copy with LINE added to FILE must
# fail the check with PATTERN (grep -E) naming FILE.
plant() {
	name=$1; file=$2; line=$3; pattern=$4
	copy="$TMP/$name"
	mkdir -p "$copy"
	(cd "$SRC" && tar -cf - libcvm igvm measure launch attest migrate fwupdate cvmctl cvmd hook) |
		(cd "$copy" && tar -xf -)
	mkdir -p "$copy/$(dirname "$file")"
	printf '%s\n' "$line" >>"$copy/$file"
	if sh "$SRC/scripts/check-rooms.sh" "$copy" >"$TMP/$name.out" 2>&1; then
		fail "$name: check passed with '$line' in $file"
	fi
	grep -Eq "^$file:[0-9]+: $pattern" "$TMP/$name.out" ||
		fail "$name: no /$pattern/ for $file: $(cat "$TMP/$name.out")"
	echo "ok: $name"
}

plant private-across fwupdate/plan.c '#include "launch/launch-private.h"' 'includes launch/launch-private.h, private to launch/'
plant ground-room-header libcvm/state.c '#include "measure/measure-internal.h"' 'libcvm/ \(floor 0\) includes measure/measure-internal.h'
plant ground-installed libcvm/json.c '#include <cvm/launch.h>' 'libcvm/ \(floor 0\) includes cvm/launch.h of launch/'
plant ground-header libcvm/include/cvm/state.h '#include <cvm/igvm.h>' 'libcvm/ \(floor 0\) includes cvm/igvm.h'
plant floor-up igvm/reader.c '#include <cvm/launch.h>' 'igvm/ \(floor 1\) includes cvm/launch.h'
plant app-room-header cvmctl/main.c '#include "libcvm/libcvm-internal.h"' 'includes libcvm/libcvm-internal.h: applications use the installed headers'
plant unmapped-header "libcvm/include/cvm/$(echo newthing).h" '#pragma once' 'installed header cvm/newthing.h belongs to no room'
echo "PASS: rooms"
