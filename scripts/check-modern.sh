#!/bin/sh
# make check-modern: build cvm inside each root that scripts/modern-stack.sh
# made (Debian trixie and sid) with that root's GCC, GLib, libvirt, OpenSSL
# and json-c, -Werror as always, and run the unit tests there; then
# tests/modern/run.sh: the domain XML of every platform against the root's
# libvirt and QEMU, guests booted by cvmctl launch, and the libvirt hook.
#
# The tree is copied into the root (a fresh copy each run, build folders and
# git metadata left out), so the root's build never mixes objects with the
# host's build/ and nothing is written back into the checkout.
#
#   scripts/check-modern.sh [--if-built] [SUITE...]    default: trixie sid
# --if-built (used by make check): print one line and succeed when the
# roots are not in the cache, since CI never builds them, or when they are
# but CVM_CHECK_MODERN=1 is not set (make check stays within 15 minutes).
set -eu

CACHE=${CVM_MODERN_CACHE:-/var/cache/cvm/modern}
if_built=0
if [ "${1:-}" = "--if-built" ]; then
	if_built=1
	shift
fi
SUITES=${*:-trixie sid}

missing=""
for suite in $SUITES; do
	[ -f "$CACHE/$suite/.cvm-stamp" ] || missing="$missing $suite"
done
if [ -n "$missing" ]; then
	echo "modern stack not built: make modern-stack (missing:$missing in $CACHE)"
	[ "$if_built" -eq 1 ] && exit 0
	exit 1
fi
# The roots take about 10 minutes more than make check's budget of 15, so
# make check only names the target unless asked (CVM_CHECK_MODERN=1).
if [ "$if_built" -eq 1 ] && [ "${CVM_CHECK_MODERN:-0}" != 1 ]; then
	echo "modern stack not run by make check (it takes ~10 min): make check-modern, or CVM_CHECK_MODERN=1 make check"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "check-modern: needs root (chroot)"
	[ "$if_built" -eq 1 ] && exit 0
	exit 1
fi

src=$(pwd)
rc=0
for suite in $SUITES; do
	root="$CACHE/$suite"
	start=$(date +%s)
	echo "check-modern: $suite: copying the tree into $root/cvm"
	rm -rf "$root/cvm"
	mkdir -p "$root/cvm"
	tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$root/cvm" -xf -
	# /dev/kvm comes with the /dev bind when the host has it. The chroot's
	# status goes through a file since the pipeline's own is sed's.
	#
	# For guests started by libvirt in the root (tests/modern/run.sh):
	# the root is bind-mounted onto itself, since libvirt's per-domain
	# mount namespace makes "/" a slave and fails ("Failed disable mount
	# propagation out of the root filesystem") when / is no mount point;
	# and the root gets its own devpts instance with /dev/ptmx bound to
	# its ptmx node: with the host's /dev/pts QEMU stops at "-chardev pty:
	# Failed to create PTY" inside libvirt's private /dev (both seen with
	# libvirt 11.3; devpts(5) on newinstance).
	status="$CACHE/$suite-check.status"
	echo 1 >"$status"
	{
		unshare --mount --propagation private sh -c '
		root=$1
		suite=$2
		mount --bind "$root" "$root"
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mount --rbind /dev "$root/dev"
		mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
		mount --bind "$root/dev/pts/ptmx" "$root/dev/ptmx"
		mount -t tmpfs tmpfs "$root/tmp"
		exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LC_ALL=C.UTF-8 TMPDIR=/tmp sh -c "
			cd /cvm &&
			gcc --version | head -n 1 &&
			echo glib libvirt openssl json-c: \$(pkg-config --modversion glib-2.0 libvirt openssl json-c) &&
			nice make -j2 CVM_DEPS_DONE=1 tests &&
			BUILDDIR=build ./tests/run.sh unit &&
			sh tests/modern/run.sh $suite"' check-modern "$root" "$suite" 2>&1 &&
			echo 0 >"$status" || echo $? >"$status"
	} | sed -u "s/^/[$suite] /"
	if [ "$(cat "$status")" -ne 0 ]; then
		echo "check-modern: $suite: FAILED"
		rc=1
	fi
	echo "check-modern: $suite: $(( $(date +%s) - start ))s"
done
exit $rc
