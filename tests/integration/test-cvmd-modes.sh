#!/bin/sh
# File modes (issue 17): everything cvmd creates for a launch, the attestation
# services (Serve, ServeQuotes, ServeCertificates) and a firmware Stage/Apply,
# run under umask 000 so that no mode comes from the umask, is listed and
# checked: folders 0700, or 0711 where QEMU must reach through them
# (docs/launch.md), records, images and keys 0600, certificate tables 0644
# (public data in a 0700 folder), sockets 0660. A file of a kind not in the
# table fails the test, so a new file gets a decision. libvirt's own tree
# (<state>/libvirt, the embedded driver's root) is libvirt's and not checked.
# Also: nothing in cvmd, libcvm, attest, fwupdate or migrate runs a shell.
set -eu
. tests/integration/lib-cvmd.sh

# No shell: what a guest or a caller controls is only ever an argv element.
if grep -rn "g_spawn_command_line\|[^_a-z]system *(\|popen *(\|g_shell_parse_argv\|\"/bin/sh\"" \
	cvmd libcvm attest fwupdate migrate hook igvm --include=*.c >"$TMP/out"; then
	fail "a shell is run: $(cat "$TMP/out")"
fi

ROOT="$CVM_STATE_DIR/libvirt"
URI="qemu:///embed?root=$ROOT"
build_images_ab
cleanup_guests() {
	[ -n "$CVMD_PID" ] && kill -9 "$CVMD_PID" 2>/dev/null && wait "$CVMD_PID" 2>/dev/null; CVMD_PID=""
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
}
CLEANUP_HOOK=cleanup_guests

mkdir -m 0755 "$TMP/sock"
start_bus
umask 000
start_cvmd "$URI"
M=/org/cvm/Cvmd1
call $M org.cvm.Cvmd1.Manager.LaunchGuest \
	"{'name': <'g1'>, 'igvm': <'$TMP/a.igvm'>, 'memory-mib': <uint64 64>, 'platform': <'native'>}"
[ "$rc" -eq 0 ] || fail "launch: $(cat "$TMP/out")"
call $M org.cvm.Cvmd1.Attestation.Serve g1 "{'listen': <'$TMP/sock/front.sock'>, 'agent-socket': <'$TMP/sock/agent.sock'>}"
[ "$rc" -eq 0 ] || fail "Serve: $(cat "$TMP/out")"
call $M org.cvm.Cvmd1.Attestation.ServeQuotes g1 "{'listen': <'$TMP/sock/qgs-front.sock'>, 'qgs-socket': <'$TMP/sock/qgs.sock'>}"
[ "$rc" -eq 0 ] || fail "ServeQuotes: $(cat "$TMP/out")"
call $M org.cvm.Cvmd1.Attestation.ServeCertificates "{'listen': <'$TMP/sock/certs.sock'>}"
[ "$rc" -eq 0 ] || fail "ServeCertificates: $(cat "$TMP/out")"
call $M/guest/g1 org.cvm.Cvmd1.FirmwareUpdate.Stage "$TMP/b.igvm"
[ "$rc" -eq 0 ] || fail "Stage: $(cat "$TMP/out")"
call $M/guest/g1 org.cvm.Cvmd1.FirmwareUpdate.Apply
[ "$rc" -eq 0 ] || fail "Apply: $(cat "$TMP/out")"
umask 022

# "MODE KIND PATH" for every file cvmd made (libvirt's tree aside), then the
# rule for each; the listing is kept in the log for the review.
{
	find "$CVM_STATE_DIR" -path "$ROOT" -prune -o -printf '%m %y %P\n'
	find "$TMP/sock" -mindepth 1 -printf '%m %y sock/%P\n'
} | sort -k3 >"$TMP/modes"
cat "$TMP/modes"
awk '
	function rule() {
		if ($3 == "" || $3 == "libvirt") return "711"  # the state folder; the embedded root
		if ($3 == "guests.d" || $3 ~ /^guests\.d\/[^\/]+$/) return "711"
		if ($3 ~ /^guests\.d\/[^\/]+\/firmware$/) return "711"
		if ($3 ~ /^guests\.d\/[^\/]+\/firmware\/[^\/]+$/ && $2 == "f") return "644" # QEMU reads it
		if ($3 ~ /^sock\// && $2 == "s") return "660"
		if ($3 == "sock") return "any"                 # made by the test
		if ($2 == "d") return "700"                    # guests, firmware, snp-certs, attest...
		if ($3 ~ /^snp-certs\/.*\.certs$/) return "644" # public certificate tables
		if ($2 == "f") return "600"                    # records, images, keys, logs
		return "none"
	}
	{
		w = rule()
		if (w == "none") { print "unexpected file: " $0; bad = 1 }
		else if (w != "any" && $1 != w) { print "mode " $1 " (want " w "): " $0; bad = 1 }
	}
	END { exit bad }' "$TMP/modes" >"$TMP/out.bad" || fail "file modes: $(cat "$TMP/out.bad")"
grep -q "^[0-9]* f guests/g1.json$" "$TMP/modes" || fail "no record listed"
grep -q "^[0-9]* f firmware/" "$TMP/modes" || fail "no staged image listed"
grep -q "^[0-9]* s sock/front.sock$" "$TMP/modes" || fail "no front-end socket listed"
echo ok
