#!/bin/sh
# Install the Debian 12 packages cvm needs that are missing. Idempotent, and quick
# when nothing is missing: one dpkg-query, no apt call.
set -eu

PACKAGES="
build-essential pkg-config clang
libglib2.0-dev libglib2.0-bin
libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
libjson-c-dev libssl-dev zlib1g-dev libxml2-dev libcmocka-dev
libfuzzer-14-dev libclang-rt-14-dev
qemu-system-x86 qemu-utils ovmf
dbus dbus-daemon util-linux openssl
debhelper lintian pandoc
"

# libvirt's QEMU driver, embedded and run as root, looks up its compiled-in
# user and group before it reads qemu.conf; Debian's libvirt-daemon-system
# creates them, but cvm does not need that package (nor a libvirtd).
ensure_qemu_user() {
	getent passwd libvirt-qemu >/dev/null && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: system user libvirt-qemu missing and not root" >&2
		return 0
	fi
	getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
	useradd --system --gid libvirt-qemu --home-dir /var/lib/libvirt --no-create-home \
		--shell /usr/sbin/nologin libvirt-qemu
	echo "deps: created system user libvirt-qemu"
}

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	ensure_qemu_user
	exit 0
fi

echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages and not root; run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; an old list may name versions the
# mirror no longer has. Update once, then install.
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
ensure_qemu_user
