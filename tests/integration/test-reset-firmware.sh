#!/bin/sh
# A reset (cvmctl reboot --force: Guest.Reset through cvmd, virDomainReset
# in-process) is the reset a firmware update waits for. A guest runs image B
# that was to last one reset (vm-launch-update's HOST_IGVM: the record's
# fwupdate-one-reset, with the host's image A in host-igvm-path); after
# `cvmctl reboot --force` it runs A again and the marks are gone, through
# cvmd and in-process alike, on libvirt's embedded QEMU driver (TCG). Before
# the fix cvmd's reboot-event handler found the guest held by the Reset call
# ("reset not handled: ... a Reset is in progress") and B stayed; in-process
# nothing restored A either.
set -eu
. tests/integration/lib-cvmd.sh
embedded_qemu
build_images_ab
chmod 0644 "$TMP/a.igvm" "$TMP/b.igvm"
SHA_A=$(sha256sum "$TMP/a.igvm" | cut -c1-64)
SHA_B=$(sha256sum "$TMP/b.igvm" | cut -c1-64)
LOG="$CVM_STATE_DIR/guests.d/rf/serial.log"

# last_hello_is TEXT: the guest's last greeting on its serial log (30 s)
last_hello_is() {
	for _ in $(seq 150); do
		[ "$(grep -ao 'Hello from a cvm IGVM guest\|Firmware B says hello here!' "$LOG" 2>/dev/null | tail -n1)" = "$1" ] &&
			return 0
		sleep 0.2
	done
	return 1
}
ctl() { "$CVMCTL" "$@" >"$TMP/o" 2>&1 || fail "cvmctl $*: $(cat "$TMP/o")"; }
sha_is() { # sha_is WHAT SHA: the guest's status names image SHA
	ctl status --json rf
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s["igvm-sha256"] != sys.argv[2])' \
		"$TMP/o" "$2" || fail "$1: status $(cat "$TMP/o")"
}
# one_reset: the record says B lasts one reset and A is the host's image
one_reset() {
	python3 - "$CVM_STATE_DIR/guests/rf.json" "$TMP/a.igvm" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["fwupdate-one-reset"] = True
r["host-igvm-path"] = sys.argv[2]
json.dump(r, open(sys.argv[1], "w"))
PY
}

# scenario PATH: launch A, stage and apply B, the one-reset marks written
# while the state folder's owner (cvmd) is down, then the reset
start_path() { [ "$1" = cvmd ] && start_cvmd "$URI" || true; }
stop_path() { [ "$1" = cvmd ] && stop_cvmd || true; }
scenario() {
	start_path "$1"
	ctl launch --igvm "$TMP/a.igvm" --name rf --memory 64M
	last_hello_is "Hello from a cvm IGVM guest" || fail "$1: rf did not boot A"
	ctl fwupdate stage rf "$TMP/b.igvm"
	ctl fwupdate apply rf
	last_hello_is "Firmware B says hello here!" || fail "$1: rf did not boot B"
	sha_is "$1: after apply" "$SHA_B"
	stop_path "$1"
	one_reset
	start_path "$1"
	ctl reboot --force rf
	sha_is "$1: after the reset" "$SHA_A"
	last_hello_is "Hello from a cvm IGVM guest" || fail "$1: A does not run after the reset: $(cat "$LOG")"
	grep -q '"fwupdate-one-reset"' "$CVM_STATE_DIR/guests/rf.json" &&
		fail "$1: the one-reset mark stayed: $(cat "$CVM_STATE_DIR/guests/rf.json")"
	ctl fwupdate status rf
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s["current"]["igvm-sha256"] != sys.argv[2])' \
		"$TMP/o" "$SHA_A" || fail "$1: fwupdate status: $(cat "$TMP/o")"
	ctl forget --force rf
	stop_path "$1"
}

mkdir -p "$CVM_STATE_DIR"
start_bus
export CVM_BUS="$BUS"
scenario cvmd
grep -q "reset not handled" "$TMP/cvmd.log" && fail "cvmd left the reset to its event handler: $(cat "$TMP/cvmd.log")"
rm -rf "$CVM_STATE_DIR"
mkdir -p "$CVM_STATE_DIR"
export CVM_BUS="unix:path=$TMP/no-bus" CVM_LIBVIRT_URI="$URI"
scenario in-process
echo "test-reset-firmware: ok"
