#!/bin/sh
# cvm-qemu-hook under a real libvirtd: a session-mode libvirtd started by this
# test (as the unprivileged user cvmtest, private XDG dirs in a temp dir) with
# the hook installed in its hooks dir. libvirt's hooks dir is fixed at
# /etc/libvirt/hooks, so libvirtd runs in a private mount namespace where a
# copy of /etc/libvirt with the hook is bind-mounted over it; the host's
# /etc is never touched. A guest whose IGVM launch digest is not
# in the policy fails to start with the hook's message; a guest without IGVM
# passes the hook (it may still fail later for lack of a real disk/QEMU fit,
# but not because of the hook).
set -eu
. tests/integration/lib.sh
HOOK="$(pwd)/$BUILDDIR/cvm-qemu-hook"
LV_PID=""
stop_libvirtd() {
	# QEMU and virtlogd started by this libvirtd leave pid files in its runtime dir
	for f in $(find "$TMP/home/runtime" -name '*.pid' 2>/dev/null); do
		p=$(cat "$f" 2>/dev/null) && [ -n "$p" ] && kill -9 "$p" 2>/dev/null
	done
	[ -n "$LV_PID" ] && kill "$LV_PID" 2>/dev/null && wait "$LV_PID" 2>/dev/null
	for f in $(find "$TMP/home/runtime" -name '*.pid' 2>/dev/null); do
		p=$(cat "$f" 2>/dev/null) && [ -n "$p" ] && kill -9 "$p" 2>/dev/null
	done
}
CLEANUP_HOOK=stop_libvirtd
FAIL_HOOK='[ ! -f "$TMP/libvirtd.log" ] || tail -20 "$TMP/libvirtd.log" >&2'
id cvmtest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin cvmtest
chmod 755 "$TMP"
H="$TMP/home"
cp -a /etc/libvirt "$TMP/etc-libvirt"
HOOKS="$TMP/etc-libvirt/hooks/qemu.d"
mkdir -p "$HOOKS" "$H/config/libvirt" "$H/runtime" "$H/cache" "$H/data" "$TMP/policy.d"
ZERO=$(printf '0%.0s' $(seq 96))
echo "{\"launch-digests\": [\"$ZERO\"]}" >"$TMP/policy.d/10-pin.json"
"$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/g.igvm" >/dev/null
# libvirt runs hooks with a cleared environment: a wrapper sets the test's.
cat >"$HOOKS/cvm" <<SH
#!/bin/sh
CVM_POLICY_DIR="$TMP/policy.d" CVM_HOOK_BUS="unix:path=$TMP/nobus" exec "$HOOK" "\$@"
SH
chmod 755 "$HOOKS/cvm"
chown -R cvmtest "$H"
chmod 700 "$H/runtime"

as_cvmtest() {
	setpriv --reuid=cvmtest --regid="$(id -g cvmtest)" --clear-groups \
		env -i PATH="$PATH" HOME="$H" XDG_CONFIG_HOME="$H/config" XDG_RUNTIME_DIR="$H/runtime" \
		XDG_CACHE_HOME="$H/cache" XDG_DATA_HOME="$H/data" "$@"
}
unshare --mount --propagation private sh -c \
	"mount --bind '$TMP/etc-libvirt' /etc/libvirt && exec setpriv --reuid=cvmtest --regid=$(id -g cvmtest) --clear-groups \
	env -i PATH='$PATH' HOME='$H' XDG_CONFIG_HOME='$H/config' XDG_RUNTIME_DIR='$H/runtime' \
	XDG_CACHE_HOME='$H/cache' XDG_DATA_HOME='$H/data' libvirtd" >"$TMP/libvirtd.log" 2>&1 &
LV_PID=$!
for _ in $(seq 100); do
	as_cvmtest virsh -c qemu:///session version >/dev/null 2>&1 && break
	kill -0 "$LV_PID" 2>/dev/null || fail "libvirtd exited"
	sleep 0.1
done
as_cvmtest virsh -c qemu:///session version >/dev/null 2>&1 || fail "libvirtd not answering"

cat >"$TMP/g1.xml" <<XML
<domain type='qemu'>
  <name>cvm-hook-g1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <metadata><cvm:guest xmlns:cvm='http://cvm.org/schemas/domain/1'><cvm:igvm path='$TMP/g.igvm' platform='sev-snp'/></cvm:guest></metadata>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>
XML
as_cvmtest virsh -c qemu:///session define "$TMP/g1.xml" >/dev/null || fail "define"
set +e
as_cvmtest virsh -c qemu:///session start cvm-hook-g1 >"$TMP/out" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "guest with unexpected digest started"
grep -q "cvm: refusing to start cvm-hook-g1: launch digest [0-9a-f]\{96\} of guest cvm-hook-g1 is not allowed by host policy" "$TMP/out" ||
	fail "libvirt did not show the hook's message: $(cat "$TMP/out")"
as_cvmtest virsh -c qemu:///session domstate cvm-hook-g1 | grep -q "shut off" || fail "domain not shut off"

# the same guest with its digest pinned passes the hook (QEMU may then start
# or fail on its own; either way the hook's refusal must be absent)
DIGEST=$(grep -o '[0-9a-f]\{96\}' "$TMP/out" | head -1)
echo "{\"guests\": {\"cvm-hook-g1\": {\"launch-digests\": [\"$DIGEST\"]}}}" >"$TMP/policy.d/20-g1.json"
set +e
as_cvmtest virsh -c qemu:///session start cvm-hook-g1 >"$TMP/out" 2>&1
set -e
grep -q "cvm: refusing" "$TMP/out" && fail "pinned digest still refused: $(cat "$TMP/out")"
as_cvmtest virsh -c qemu:///session destroy cvm-hook-g1 >/dev/null 2>&1 || true
as_cvmtest virsh -c qemu:///session undefine cvm-hook-g1 >/dev/null 2>&1 || true
echo ok
