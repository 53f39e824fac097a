#!/bin/sh
# The Debian packages: dpkg-buildpackage -us -uc -b on a copy of the tree
# (nocheck: make check runs the tests) makes libcvm0, libcvm-dev and cvm;
# lintian finds no error in them; unpacked into a scratch root, they hold
# every installed file, the postinst creates the cvm group and the state
# folder, libcvm.so.0 exports what the packaged headers declare, and the
# packaged cvmctl verifies the vendored Milan report with the packaged AMD
# roots (no --roots) and inspects an IGVM file.
#
# The package's objects are kept in BUILDDIR/deb between runs (debian/rules
# CVM_DEB_BUILDDIR), so only the first run compiles everything.
set -eu
CVM_SRCDIR=${CVM_SRCDIR:-$(pwd)}
cd "$CVM_SRCDIR"
. tests/integration/lib.sh

for t in dpkg-buildpackage dh dpkg-deb; do
	command -v "$t" >/dev/null || fail "$t missing (scripts/deps.sh installs debhelper)"
done

# dpkg-buildpackage writes the .debs beside the source folder: build in a copy.
SRC="$TMP/cvm-0.1.0"
mkdir -p "$SRC"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -co --exclude-standard | grep -v '^debian/build/' | tar -cf - -T - | tar -xf - -C "$SRC"
else
	tar -cf - --exclude="./$BUILDDIR" --exclude='./build*' --exclude=./debian/build . | tar -xf - -C "$SRC"
fi
OBJ="$CVM_SRCDIR/$BUILDDIR/deb"
mkdir -p "$OBJ"
start=$(date +%s)
(cd "$SRC" && CVM_DEB_BUILDDIR="$OBJ" DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
	dpkg-buildpackage -us -uc -b -Pnocheck) >"$TMP/build.log" 2>&1 ||
	{ tail -40 "$TMP/build.log" >&2; fail "dpkg-buildpackage"; }
echo "dpkg-buildpackage: $(( $(date +%s) - start ))s"
for p in libcvm0 libcvm-dev cvm; do
	[ -f "$TMP/${p}_0.1.0_$(dpkg --print-architecture).deb" ] || fail "no $p package: $(ls "$TMP")"
done

if command -v lintian >/dev/null; then
	lintian --fail-on error "$TMP"/*.deb >"$TMP/lintian.log" 2>&1 ||
		{ cat "$TMP/lintian.log" >&2; fail "lintian reports errors"; }
	echo "lintian: $(grep -c '^E:' "$TMP/lintian.log" || true) errors, $(grep -c '^W:' "$TMP/lintian.log" || true) warnings"
else
	echo "lintian not installed: not run"
fi

R="$TMP/root"
for d in "$TMP"/*.deb; do dpkg-deb -x "$d" "$R"; done
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in usr/bin/cvmctl usr/sbin/cvmd usr/libexec/cvm/cvm-qemu-hook lib/systemd/system/cvmd.service \
	usr/share/dbus-1/system.d/org.cvm.Cvmd1.conf usr/share/dbus-1/system-services/org.cvm.Cvmd1.service \
	usr/lib/sysusers.d/cvm.conf usr/lib/tmpfiles.d/cvm.conf usr/share/cvm/amd/ark-milan.pem \
	usr/share/man/man1/cvmctl.1.gz usr/share/man/man8/cvmd.8.gz usr/share/man/man8/cvm-qemu-hook.8.gz \
	usr/share/bash-completion/completions/cvmctl usr/include/cvm/igvm.h "usr/lib/$MA/libcvm.so.0" \
	"usr/lib/$MA/libcvm.a" "usr/lib/$MA/pkgconfig/cvm.pc" usr/share/doc/cvm/copyright; do
	[ -e "$R/$f" ] || fail "not packaged: $f"
done
[ "$(readlink "$R/etc/libvirt/hooks/qemu.d/cvm")" = /usr/libexec/cvm/cvm-qemu-hook ] || fail "hook link"
grep -q '^ExecStart=/usr/sbin/cvmd$' "$R/lib/systemd/system/cvmd.service" || fail "unit ExecStart"
grep -q '^prefix=/usr$' "$R/usr/lib/$MA/pkgconfig/cvm.pc" || fail "cvm.pc prefix"
dpkg-deb -e "$TMP"/cvm_0.1.0_*.deb "$TMP/control"
grep -q 'systemd-sysusers.*cvm.conf' "$TMP/control/postinst" || fail "postinst does not create the cvm group"
grep -q 'systemd-tmpfiles.*cvm.conf' "$TMP/control/postinst" || fail "postinst does not create the state folder"
scripts/check-abi.sh "$R/usr/lib/$MA/libcvm.so.0" "$R/usr/include" libcvm/libcvm.map ||
	fail "packaged libcvm.so.0 and headers differ"

# The packaged programs: data from the packaged folder (CVM_DATA_DIR stands
# in for /usr/share/cvm, which is the scratch root's), nothing from the tree.
strings "$R/usr/bin/cvmctl" | grep -qx '/usr/share/cvm' || fail "cvmctl's data folder is not /usr/share/cvm"
T="tests/data/third-party/trustee"
CVM_DATA_DIR="$R/usr/share/cvm" "$R/usr/bin/cvmctl" attest verify "$T/report-milan-v2.bin" \
	--vcek "$T/vcek-milan.der" >"$TMP/verify" 2>&1 || fail "packaged attest verify: $(cat "$TMP/verify")"
grep -q 'verified' "$TMP/verify" || fail "attest verify output: $(cat "$TMP/verify")"
"$R/usr/bin/cvmctl" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null ||
	fail "packaged igvm build"
"$R/usr/bin/cvmctl" igvm inspect "$TMP/hello.igvm" >"$TMP/inspect" || fail "packaged igvm inspect"
grep -q 'PAGE_DATA' "$TMP/inspect" || fail "igvm inspect output: $(cat "$TMP/inspect")"
echo ok
