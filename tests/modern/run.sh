#!/bin/sh
# What make check-modern runs in each root after the unit tests: cvm against
# that root's own libvirt and QEMU (scripts/check-modern.sh sets up the
# chroot; docs/modern-stack.md has the results). One line per check, and a
# summary line check-modern's log is read by; every check runs even when
# an earlier one failed.
#   tests/modern/run.sh SUITE
set -u
BUILDDIR=${BUILDDIR:-build}
export BUILDDIR
suite=${1:-unknown}
passed=0
failed=""

run() {
	name=$1
	shift
	start=$(date +%s)
	if "$@"; then
		passed=$((passed + 1))
		result=ok
	else
		failed="$failed $name"
		result=FAILED
	fi
	echo "modern: $suite: $name: $result in $(($(date +%s) - start))s"
}

# Issue 18 item 4: the XML for every platform against this libvirt and QEMU.
run domxml-check sh tests/modern/domxml-check.sh
# Item 5: examples/hello and OVMF wrapped by --from-ovmf, booted by cvmctl
# launch (translation path) on this libvirt and QEMU under TCG or KVM.
run launch-boot sh tests/integration/test-launch-boot.sh
# Item 5: cvm-qemu-hook gating a start on this root's libvirtd.
run cvm-hook-libvirtd sh tests/integration/test-cvm-hook-libvirtd.sh
echo "modern: $suite: $passed passed, $(echo $failed | wc -w) failed${failed:+ ($failed )}"
[ -z "$failed" ]
