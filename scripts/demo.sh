#!/bin/sh
# The README's main job, on libvirt's embedded QEMU driver (no system
# libvirtd needed) and QEMU with TCG when there is no /dev/kvm:
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
	for g in cvm-demo-hello cvm-demo-ovmf; do "$CVMCTL" forget "$g" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT INT TERM
cleanup

# show NAME PATTERN SECONDS: the guest's serial output once PATTERN is there.
show() {
	i=0
	while [ $i -lt $(($3 * 4)) ]; do
		if "$CVMCTL" console --no-follow "$1" 2>/dev/null | tr -d '\r' | grep -q "$2"; then
			"$CVMCTL" console --no-follow "$1" 2>/dev/null | tr -d '\r' |
				sed 's/\x1b\[[0-9;=]*[A-Za-z]//g' | grep -v '^ *$' | head -n 12 | sed 's/^/  | /'
			return 0
		fi
		sleep 0.25
		i=$((i + 1))
	done
	echo "demo: $1 printed nothing matching \"$2\" within $3 s" >&2
	return 1
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
show cvm-demo-ovmf 'UEFI Interactive Shell\|EDK II' 120

step "guests"
"$CVMCTL" list
step "stop and remove them"
"$CVMCTL" stop --force cvm-demo-hello
"$CVMCTL" stop --force cvm-demo-ovmf
"$CVMCTL" forget cvm-demo-hello
"$CVMCTL" forget cvm-demo-ovmf
echo "demo: done"
