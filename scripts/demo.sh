#!/bin/sh
# The README's main job, on libvirt's embedded QEMU driver (no system
# libvirtd needed) and QEMU with KVM where it works, else TCG (--accel auto,
# which also moves a guest that KVM stops with an internal error to TCG):
#  1. build an IGVM file from examples/hello (a real-mode program that prints
#     a line on COM1) and one from Debian's OVMF.fd, inspect and measure them;
#  2. launch both with cvmctl and show their serial output;
#  3. stop and remove them again.
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
WORK=${CVM_DEMO_DIR:-$(pwd)/$BUILDDIR/demo}
OVMF=${CVM_DEMO_OVMF:-/usr/share/ovmf/OVMF.fd}
mkdir -p "$WORK"
# A state directory of its own, so the demo never touches real guests.
CVM_STATE_DIR=${CVM_STATE_DIR:-$WORK/state}
export CVM_STATE_DIR

step() { printf '\n== %s\n' "$*"; }
cleanup() {
	for g in cvm-demo-hello cvm-demo-ovmf; do "$CVMCTL" forget --force "$g" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT INT TERM
cleanup

# show NAME PATTERN SECONDS: the guest's serial output once PATTERN is there.
# While waiting it says what it waits for (every 10 s) and asks cvmctl for
# the guest's state: a guest that failed, crashed or stopped on an error ends
# the wait at once with libvirt's reason and the end of QEMU's log.
show() {
	start=$(date +%s)
	said=$start
	while :; do
		if "$CVMCTL" console --no-follow "$1" 2>/dev/null | tr -d '\r' | grep -q "$2"; then
			"$CVMCTL" console --no-follow "$1" 2>/dev/null | tr -d '\r' |
				sed 's/\x1b\[[0-9;=]*[A-Za-z]//g' | grep -v '^ *$' | head -n 12 | sed 's/^/  | /'
			return 0
		fi
		now=$(date +%s)
		status=$("$CVMCTL" status --json "$1" 2>/dev/null || true)
		state=$(printf '%s\n' "$status" | sed -n 's/^ *"state": *"\([^"]*\)".*/\1/p')
		reason=$(printf '%s\n' "$status" | sed -n 's/^ *"state-reason": *"\([^"]*\)".*/\1/p')
		if printf '%s\n' "$status" | grep -q '"qemu-log"' || { [ -n "$state" ] && [ "$state" != running ]; }; then
			echo "demo: $1 is ${state:-gone}${reason:+ ($reason)} after $((now - start)) s, before printing \"$2\":" >&2
			"$CVMCTL" status "$1" 2>/dev/null | sed 's/^/  /' >&2
			return 1
		fi
		if [ $((now - start)) -ge "$3" ]; then
			echo "demo: $1 is still ${state:-unknown}${reason:+ ($reason)} but printed nothing matching \"$2\" within $3 s; its serial output:" >&2
			"$CVMCTL" console --no-follow "$1" 2>/dev/null | tail -n 12 | sed 's/^/  | /' >&2
			"$CVMCTL" status "$1" 2>/dev/null | sed 's/^/  /' >&2
			return 1
		fi
		if [ $((now - said)) -ge 10 ]; then
			echo "demo: waiting for $1 to print \"$2\" ($((now - start)) s of $3 s, ${state:-unknown}${reason:+ ($reason)})"
			said=$now
		fi
		sleep 0.5
	done
}

"$CVMCTL" version
step "build examples/hello/manifest.json -> $WORK/hello.igvm"
"$CVMCTL" igvm build examples/hello/manifest.json -o "$WORK/hello.igvm"
"$CVMCTL" igvm inspect "$WORK/hello.igvm"

step "wrap $OVMF -> $WORK/ovmf.igvm (SEV-SNP and native)"
"$CVMCTL" igvm build --from-ovmf "$OVMF" --platforms sev-snp,native -o "$WORK/ovmf.igvm"
"$CVMCTL" igvm validate "$WORK/ovmf.igvm"
step "expected SEV-SNP launch digest of $WORK/ovmf.igvm"
"$CVMCTL" igvm measure --platform sev-snp "$WORK/ovmf.igvm"

step "launch cvm-demo-hello (embedded libvirt driver under $CVM_STATE_DIR)"
"$CVMCTL" launch --igvm "$WORK/hello.igvm" --name cvm-demo-hello --memory 64M
show cvm-demo-hello 'Hello from a cvm IGVM guest' 60

step "launch cvm-demo-ovmf"
"$CVMCTL" launch --igvm "$WORK/ovmf.igvm" --name cvm-demo-ovmf --memory 256M
show cvm-demo-ovmf 'UEFI Interactive Shell\|EDK II' 60

step "guests"
"$CVMCTL" list
step "stop and remove them"
"$CVMCTL" stop --force cvm-demo-hello
"$CVMCTL" stop --force cvm-demo-ovmf
"$CVMCTL" forget --force cvm-demo-hello
"$CVMCTL" forget --force cvm-demo-ovmf
echo "demo: done"
