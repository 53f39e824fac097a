#!/bin/sh
# make modern-stack: a Debian trixie and a Debian sid root file system, made
# with debootstrap from the mirror the host's apt already uses, with cvm's
# build dependencies, libvirt's daemons and QEMU installed in each. They live
# in a cache outside the tree (CVM_MODERN_CACHE, default /var/cache/cvm/modern)
# and are used as chroots by scripts/check-modern.sh; the newer suites never
# enter the host's own apt sources.
#
# Idempotent: a root whose debootstrap finished has a .cvm-base stamp, and a
# root whose packages are installed has a .cvm-stamp holding the package list
# it was made with, so a second run with the cache present only compares
# files. Changing MODERN_PACKAGES below re-runs the install step only.
#
#   scripts/modern-stack.sh [SUITE...]     default: trixie sid
set -eu

CACHE=${CVM_MODERN_CACHE:-/var/cache/cvm/modern}
SUITES=${*:-trixie sid}

# scripts/deps.sh's list for Debian 12, less the versioned LLVM fuzzing
# packages (the unit tests run the fuzz targets as plain programs), plus
# libvirt's daemons (libvirt-daemon-system), xmllint for schema checks and
# procps (pgrep/pkill: the boot tests find and stop the QEMUs they started)
# and pandoc (the build makes cvmctl.1 from docs/cvmctl.md).
MODERN_PACKAGES="
build-essential pkg-config
libglib2.0-dev libglib2.0-bin
libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
libvirt-daemon-system
libjson-c-dev libssl-dev zlib1g-dev libxml2-dev libxml2-utils libcmocka-dev
qemu-system-x86 qemu-utils ovmf
dbus dbus-daemon util-linux openssl procps pandoc
"

now() { date +%s; }
T0=$(now)
step_start=$T0
step() {
	step_start=$(now)
	printf 'modern-stack: %s\n' "$*"
}
step_done() {
	printf 'modern-stack:   done in %ss\n' "$(( $(now) - step_start ))"
}
die() { echo "modern-stack: $*" >&2; exit 1; }

# The Debian mirror of the host's own apt sources (deb822 or one-line
# format); CVM_MODERN_MIRROR overrides it.
host_mirror() {
	if [ -n "${CVM_MODERN_MIRROR:-}" ]; then
		echo "$CVM_MODERN_MIRROR"
		return
	fi
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
	if [ -z "$m" ]; then
		m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
	fi
	echo "${m:-http://deb.debian.org/debian}"
}

# in_root DIR CMD...: run CMD chrooted in DIR with /proc, /sys and /dev
# mounted, in a private mount namespace so nothing stays mounted after it.
in_root() {
	root=$1; shift
	unshare --mount --propagation private sh -c '
		root=$1; shift
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mount --rbind /dev "$root/dev"
		exec chroot "$root" "$@"' in_root "$root" "$@"
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap and chroot)"
if ! command -v debootstrap >/dev/null; then
	step "installing debootstrap on the host (bookworm)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
	step_done
fi

MIRROR=$(host_mirror)
mkdir -p "$CACHE"
# Two runs at once would debootstrap into the same folder.
exec 9>"$CACHE/.lock"
flock 9
packages=$(echo $MODERN_PACKAGES)

for suite in $SUITES; do
	root="$CACHE/$suite"
	want="suite=$suite mirror=$MIRROR packages=$packages"
	if [ -f "$root/.cvm-stamp" ] && [ "$(cat "$root/.cvm-stamp")" = "$want" ]; then
		echo "modern-stack: $suite: up to date in $root"
		continue
	fi

	if [ ! -f "$root/.cvm-base" ]; then
		# A folder without the stamp is a debootstrap that was cut off.
		rm -rf "$root"
		step "$suite: debootstrap --variant=minbase from $MIRROR into $root (log $CACHE/$suite-debootstrap.log)"
		if ! debootstrap --variant=minbase "$suite" "$root" "$MIRROR" \
			>"$CACHE/$suite-debootstrap.log" 2>&1; then
			tail -n 20 "$CACHE/$suite-debootstrap.log" >&2
			die "$suite: debootstrap failed: debootstrap --variant=minbase $suite $root $MIRROR"
		fi
		echo "$suite" >"$root/.cvm-base"
		step_done
	fi

	step "$suite: apt-get install of cvm's build dependencies, libvirt and QEMU (log $CACHE/$suite-apt.log)"
	# Package scripts must not start daemons inside the root.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	# sid's Release file is valid for a week only; a mirror that serves an
	# older copy (a snapshot, or a clock ahead of it) is refused by apt as
	# "expired". debootstrap does not check the date, so the root exists:
	# say so and read that mirror's lists without the date check.
	valid=""
	if ! in_root "$root" apt-get update -qq >"$CACHE/$suite-apt.log" 2>&1; then
		if ! grep -q "is expired" "$CACHE/$suite-apt.log"; then
			tail -n 30 "$CACHE/$suite-apt.log" >&2
			die "$suite: apt-get update failed in $root (log $CACHE/$suite-apt.log)"
		fi
		echo "modern-stack:   $suite: the mirror's Release file has expired; reading it without the date check"
		valid="-o Acquire::Check-Valid-Until=false"
	fi
	if ! in_root "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C sh -c "
		apt-get $valid update -qq &&
		apt-get install -y -q --no-install-recommends $packages &&
		apt-get clean" >>"$CACHE/$suite-apt.log" 2>&1; then
		tail -n 30 "$CACHE/$suite-apt.log" >&2
		die "$suite: apt-get install failed in $root (log $CACHE/$suite-apt.log)"
	fi
	echo "$want" >"$root/.cvm-stamp"
	step_done
	in_root "$root" dpkg-query -W -f='modern-stack:   ${Package} ${Version}\n' \
		gcc libglib2.0-dev libvirt-dev libssl-dev libjson-c-dev qemu-system-x86
done

printf 'modern-stack: all roots ready in %s (%ss)\n' "$CACHE" "$(( $(now) - T0 ))"
