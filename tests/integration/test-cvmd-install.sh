#!/bin/sh
# make install with PREFIX and DESTDIR puts every cvmd/hook/cvmctl file where
# systemd, dbus, libvirt, man and bash-completion look for it.
set -eu
BUILDDIR=${BUILDDIR:-build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

make --no-print-directory BUILDDIR="$BUILDDIR" PREFIX=/usr DESTDIR="$TMP/root" install >"$TMP/log" 2>&1 ||
	{ cat "$TMP/log" >&2; fail "make install"; }
R="$TMP/root"
for f in usr/sbin/cvmd usr/bin/cvmctl usr/libexec/cvm/cvm-qemu-hook \
	usr/lib/systemd/system/cvmd.service \
	usr/share/dbus-1/system.d/org.cvm.Cvmd1.conf \
	usr/share/dbus-1/system-services/org.cvm.Cvmd1.service \
	usr/share/dbus-1/interfaces/org.cvm.Cvmd1.Manager.xml \
	usr/share/dbus-1/interfaces/org.cvm.Cvmd1.Guest.xml \
	usr/share/man/man1/cvmctl.1 usr/share/man/man8/cvmd.8 usr/share/man/man8/cvm-qemu-hook.8 \
	usr/share/bash-completion/completions/cvmctl usr/include/cvm/policy.h usr/include/cvm/state.h \
	usr/include/cvm/bus.h; do
	[ -s "$R/$f" ] || fail "missing $f"
done
[ -x "$R/usr/sbin/cvmd" ] && [ -x "$R/usr/libexec/cvm/cvm-qemu-hook" ] || fail "not executable"
[ -d "$R/etc/cvm/policy.d" ] || fail "no /etc/cvm/policy.d"
[ "$(readlink "$R/etc/libvirt/hooks/qemu.d/cvm")" = /usr/libexec/cvm/cvm-qemu-hook ] || fail "hook link"
grep -q '^ExecStart=/usr/sbin/cvmd$' "$R/usr/lib/systemd/system/cvmd.service" || fail "unit ExecStart"
grep -q '^Type=dbus$' "$R/usr/lib/systemd/system/cvmd.service" || fail "unit Type"
grep -q '^Exec=/usr/sbin/cvmd$' "$R/usr/share/dbus-1/system-services/org.cvm.Cvmd1.service" || fail "activation Exec"
xmllint --noout "$R/usr/share/dbus-1/system.d/org.cvm.Cvmd1.conf" || fail "policy XML"
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify "$R/usr/lib/systemd/system/cvmd.service" 2>&1 | grep -i "error" &&
		fail "systemd-analyze"
fi
for m in "$R"/usr/share/man/man*/*; do
	LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$m" >/dev/null 2>"$TMP/manerr" || fail "man $m"
	[ -s "$TMP/manerr" ] && fail "man $m: $(cat "$TMP/manerr")"
done
bash -n "$R/usr/share/bash-completion/completions/cvmctl" || fail "completion syntax"
echo ok
