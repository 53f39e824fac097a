#!/bin/sh
# The library's rooms and floors (docs/architecture.md), checked on the
# #include lines of every source and header:
#   - a folder's private header (NAME-private.h) is included only from that
#     folder;
#   - a room includes nothing from a room on a higher floor (libcvm/, the
#     ground floor, includes only itself), whether through the room's
#     headers (ROOM/*.h) or its installed ones (cvm/*.h, mapped below);
#   - cvmctl/, cvmd/ and hook/ use the installed headers, no room's own;
#   - every installed header belongs to a room.
# tests/ may open any room's headers (white-box tests) and is not checked.
# Usage: check-rooms.sh [SRCDIR]; prints one line per violation, exits 1 if any.
set -eu
cd "${1:-.}"

awk '
# Floors, lowest first. Rooms on one floor may use each other only
# through their headers (never a -private.h).
function floor_of(room) {
	if (room == "libcvm") return 0
	if (room == "igvm") return 1
	if (room == "measure") return 2
	if (room == "launch") return 3
	if (room == "attest" || room == "migrate" || room == "fwupdate") return 4
	return -1
}
# The room an installed header (cvm/NAME.h) belongs to.
function header_room(name) {
	if (name ~ /^(error|bus|client|state|guest-memory|guest-record|libvirt|data|platform)$/) return "libcvm"
	if (name ~ /^igvm(-.*)?$/) return "igvm"
	if (name ~ /^measure(-.*)?$/) return "measure"
	if (name ~ /^(launch|lifecycle|host|policy|native-load|firmware)$/) return "launch"
	if (name ~ /^attest-/) return "attest"
	if (name ~ /^fwupdate(-.*)?$/) return "fwupdate"
	if (name ~ /^migrate(-.*)?$/) return "migrate"
	return ""
}
# Where one room must reach up, and why (docs/architecture.md).
function allowed_up(file, inc) {
	# Checking an SNP ID block means computing the digest it signs.
	return file == "igvm/validate.c" && inc == "measure/measure-internal.h"
}
function bad(msg) { print FILENAME ":" FNR ": " msg; n++ }
FNR == 1 {
	file = FILENAME
	if (file ~ /^libcvm\/include\/cvm\//) {
		name = file; sub(/^.*\//, "", name); sub(/\.h$/, "", name)
		room = header_room(name)
		if (room == "") bad("installed header cvm/" name ".h belongs to no room (scripts/check-rooms.sh)")
	} else {
		room = file; sub(/\/.*$/, "", room)
	}
	app = (room == "cvmctl" || room == "cvmd" || room == "hook")
}
/^[ \t]*#[ \t]*include[ \t]*[<"]/ {
	inc = $0
	sub(/^[ \t]*#[ \t]*include[ \t]*[<"]/, "", inc); sub(/[>"].*$/, "", inc)
	if (inc ~ /^cvm\/[^\/]*\.h$/) {
		name = inc; sub(/^cvm\//, "", name); sub(/\.h$/, "", name)
		to = header_room(name)
		if (to == "") next
	} else if (inc ~ /^[a-z]+\/[^\/]*\.h$/) {
		to = inc; sub(/\/.*$/, "", to)
		if (floor_of(to) < 0) next
		if (inc ~ /-private\.h$/ && to != room) {
			bad("includes " inc ", private to " to "/")
			next
		}
		if (app) {
			bad("includes " inc ": applications use the installed headers (cvm/*.h)")
			next
		}
	} else {
		next
	}
	if (app || floor_of(room) < 0) next
	if (floor_of(to) > floor_of(room) && !allowed_up(file, inc))
		bad(room "/ (floor " floor_of(room) ") includes " inc " of " to "/ (floor " floor_of(to) ")")
}
END { exit n > 0 }
' $(find libcvm igvm measure launch attest migrate fwupdate cvmctl cvmd hook \
	-name '*.[ch]' 2>/dev/null | LC_ALL=C sort)
