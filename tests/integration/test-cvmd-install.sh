#!/bin/sh
# make install with PREFIX and DESTDIR puts every cvmd/hook/cvmctl file where
# systemd, dbus, libvirt, man and bash-completion look for it; the D-Bus
# policy and activation file, the unit, sysusers.d and tmpfiles.d files also
# for PREFIX=/usr/local and /opt/cvm. systemd-sysusers and systemd-tmpfiles,
# run on the DESTDIR, create the cvm group and the 0711 state folder.
set -eu
. tests/integration/lib.sh

make --no-print-directory BUILDDIR="$BUILDDIR" PREFIX=/usr DESTDIR="$TMP/root" install >"$TMP/log" 2>&1 ||
	{ cat "$TMP/log" >&2; fail "make install"; }
R="$TMP/root"
for f in usr/sbin/cvmd usr/bin/cvmctl usr/libexec/cvm/cvm-qemu-hook \
	usr/lib/systemd/system/cvmd.service \
	usr/share/dbus-1/system.d/org.cvm.Cvmd1.conf usr/lib/sysusers.d/cvm.conf usr/lib/tmpfiles.d/cvm.conf \
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

# The cvm group the policy names, and the state folder, made by systemd's own tools.
grep -q '<policy group="cvm">' "$R/usr/share/dbus-1/system.d/org.cvm.Cvmd1.conf" || fail "policy group"
mkdir -p "$R/etc" && : >"$R/etc/group" && : >"$R/etc/passwd"
systemd-sysusers --root="$R" >"$TMP/sysusers.log" 2>&1 || fail "systemd-sysusers: $(cat "$TMP/sysusers.log")"
grep -q '^cvm:' "$R/etc/group" || fail "sysusers.d did not create group cvm"
systemd-tmpfiles --root="$R" --create >"$TMP/tmpfiles.log" 2>&1 || fail "systemd-tmpfiles: $(cat "$TMP/tmpfiles.log")"
[ "$(stat -c %a "$R/var/lib/cvm")" = 711 ] || fail "state folder mode $(stat -c %a "$R/var/lib/cvm" 2>&1)"

# Where dbus-daemon reads policies: its system.conf's <includedir>s (relative
# ones under its own folder); activation files: <standard_system_servicedirs/>.
busconf=/usr/share/dbus-1/system.conf
policydirs=$(sed -n 's|.*<includedir>\(.*\)</includedir>.*|\1|p' "$busconf" |
	sed "s|^\([^/]\)|$(dirname "$busconf")/\1|")
servicedirs="/usr/local/share/dbus-1/system-services /usr/share/dbus-1/system-services /lib/dbus-1/system-services"
read_by() { # $1 folder, $2 list
	for d in $2; do [ "$d" = "$1" ] && return 0; done
	return 1
}
for prefix in /usr /usr/local /opt/cvm; do
	P="$TMP/prefix$(echo "$prefix" | tr / _)"
	make --no-print-directory BUILDDIR="$BUILDDIR" PREFIX="$prefix" DESTDIR="$P" install >"$TMP/log" 2>&1 ||
		{ cat "$TMP/log" >&2; fail "make install PREFIX=$prefix"; }
	policy=$(cd "$P" && find . -name org.cvm.Cvmd1.conf | sed 's|^\.||')
	[ -n "$policy" ] && read_by "$(dirname "$policy")" "$policydirs" ||
		fail "PREFIX=$prefix: policy at '$policy', which the system bus ($busconf) does not read"
	activation=$(cd "$P" && find . -name org.cvm.Cvmd1.service | sed 's|^\.||')
	[ -n "$activation" ] && read_by "$(dirname "$activation")" "$servicedirs" ||
		fail "PREFIX=$prefix: activation file at '$activation', which the system bus does not read"
	grep -q "^Exec=$prefix/sbin/cvmd\$" "$P$activation" || fail "PREFIX=$prefix: activation Exec"
	unit=$(cd "$P" && find . -name cvmd.service -path '*systemd/system*' | sed 's|^\.||')
	read_by "$(dirname "$unit")" "/etc/systemd/system /usr/local/lib/systemd/system /usr/lib/systemd/system /lib/systemd/system" ||
		fail "PREFIX=$prefix: unit at '$unit', where systemd does not look"
	for f in sysusers.d tmpfiles.d; do
		got=$(cd "$P" && find . -path "*/$f/cvm.conf" | sed 's|^\.||')
		read_by "$(dirname "$got")" "/etc/$f /usr/local/lib/$f /usr/lib/$f" ||
			fail "PREFIX=$prefix: $f file at '$got', where systemd does not look"
	done
done
echo ok
