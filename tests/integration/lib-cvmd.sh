# Shared by tests/integration/test-cvmd-*.sh (sourced, not run on its own):
# lib.sh, and a private dbus-daemon on a unix socket in $TMP with cvmd on it,
# both stopped at exit.
. tests/integration/lib.sh
CVMD="$(pwd)/$BUILDDIR/cvmd"
chmod 755 "$TMP" # other test uids must reach the bus socket
BUS_PID=""
CVMD_PID=""
MON=""
export CVM_STATE_DIR="$TMP/state"
export CVM_POLICY_DIR="$TMP/policy.d"

cleanup_lib() {
	[ -n "$CVMD_PID" ] && kill -9 "$CVMD_PID" 2>/dev/null
	[ -n "$MON" ] && kill "$MON" 2>/dev/null
	[ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null
	[ -n "$CVMD_PID" ] && wait "$CVMD_PID" 2>/dev/null
	[ -n "$BUS_PID" ] && wait "$BUS_PID" 2>/dev/null
	# Under ASan a report ends cvmd (abort_on_error); it must fail the test.
	if [ "$status" = 0 ] && grep -q "Sanitizer" "$TMP/cvmd.log" 2>/dev/null; then
		echo "FAIL: sanitizer report from cvmd" >&2
		sed 's/^/cvmd| /' "$TMP/cvmd.log" >&2
		status=1
	fi
}
FAIL_HOOK='[ ! -f "$TMP/cvmd.log" ] || sed "s/^/cvmd| /" "$TMP/cvmd.log" >&2'

# start_bus [EXTRA_POLICY_XML]: a bus that lets everyone connect; an extra
# <include> file (our system policy) can be added to restrict it.
start_bus() {
	extra=${1:-}
	{
		echo '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"'
		echo ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">'
		echo "<busconfig><listen>unix:path=$TMP/bus</listen><auth>EXTERNAL</auth>"
		if [ -n "$extra" ]; then
			# system-bus defaults: deny sends unless a policy allows them
			echo '<policy context="default"><allow user="*"/><deny own="*"/>'
			echo '<deny send_type="method_call"/><allow send_destination="org.freedesktop.DBus"/>'
			echo '<allow send_type="signal"/><allow send_requested_reply="true" send_type="method_return"/>'
			echo '<allow send_requested_reply="true" send_type="error"/>'
			echo '<allow receive_type="method_call"/><allow receive_type="method_return"/>'
			echo '<allow receive_type="error"/><allow receive_type="signal"/></policy>'
			echo "<include>$extra</include>"
		else
			echo '<policy context="default"><allow user="*"/><allow own="*"/>'
			echo '<allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/></policy>'
		fi
		echo '</busconfig>'
	} >"$TMP/bus.conf"
	dbus-daemon --config-file="$TMP/bus.conf" --nofork --nopidfile >"$TMP/bus.log" 2>&1 &
	BUS_PID=$!
	BUS="unix:path=$TMP/bus"
	for _ in $(seq 100); do [ -S "$TMP/bus" ] && return 0; sleep 0.05; done
	fail "dbus-daemon did not start: $(cat "$TMP/bus.log")"
}

# start_cvmd URI: cvmd on the private bus, waits until it owns its name.
start_cvmd() {
	"$CVMD" --address "$BUS" --connect "$1" >>"$TMP/cvmd.log" 2>&1 &
	CVMD_PID=$!
	for _ in $(seq 200); do
		if gdbus call --address "$BUS" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
			-m org.freedesktop.DBus.NameHasOwner org.cvm.Cvmd1 2>/dev/null | grep -q true; then
			return 0
		fi
		kill -0 "$CVMD_PID" 2>/dev/null || fail "cvmd exited; bus: $(cat "$TMP/bus.log")"
		sleep 0.05
	done
	fail "cvmd did not own org.cvm.Cvmd1"
}

# start_monitor OBJECT FILE: cvmd's signals on OBJECT written to FILE by
# gdbus monitor (pid in $MON). Returns once the monitor is subscribed: it
# adds its match rule before it asks who owns the name, and the bus answers
# in order, so the owner line means no later signal is missed.
start_monitor() {
	gdbus monitor --address "$BUS" -d org.cvm.Cvmd1 -o "$1" >"$2" 2>&1 &
	MON=$!
	for _ in $(seq 200); do
		grep -q "is owned by\|does not have an owner" "$2" && return 0
		sleep 0.05
	done
	fail "gdbus monitor did not start: $(cat "$2")"
}

# stop_monitor FILE PATTERN [COUNT]: wait (10 s at most) until PATTERN is in
# FILE COUNT times (default 1), then stop the monitor.
stop_monitor() {
	for _ in $(seq 100); do
		[ "$(grep -c "$2" "$1")" -ge "${3:-1}" ] && break
		sleep 0.1
	done
	kill "$MON" 2>/dev/null; wait "$MON" 2>/dev/null || true; MON=""
}

stop_cvmd() { # SIGTERM, then reap (exit status of cvmd ignored)
	kill "$CVMD_PID" 2>/dev/null; wait "$CVMD_PID" 2>/dev/null; CVMD_PID=""
}

# call OBJECT METHOD ARGS...: gdbus call to cvmd; output in $TMP/out, rc in $rc
call() {
	obj=$1; m=$2; shift 2
	set +e
	gdbus call --address "$BUS" -d org.cvm.Cvmd1 -o "$obj" -m "$m" "$@" >"$TMP/out" 2>&1
	rc=$?
	set -e
}

prop() { # prop OBJECT IFACE NAME -> value printed by gdbus
	gdbus call --address "$BUS" -d org.cvm.Cvmd1 -o "$1" \
		-m org.freedesktop.DBus.Properties.Get "$2" "$3"
}

# write_record NAME UUID STATE: a guest record as cvmd writes it
write_record() {
	mkdir -p "$CVM_STATE_DIR/guests"
	printf '{"name":"%s","uuid":"%s","state":"%s","platform":"sev-snp","uri":"test:///default"}\n' \
		"$1" "$2" "$3" >"$CVM_STATE_DIR/guests/$1.json"
}

# define_qemu_domain URI NAME UUID [EMULATOR]: a small diskless TCG domain
# defined on the embedded QEMU driver at URI (cvmd must not hold it: the
# driver admits one process); start_cvmd URI once before writes its qemu.conf.
define_qemu_domain() {
	emu=${4:-$(command -v qemu-system-x86_64)} || fail "no qemu-system-x86_64"
	cat >"$TMP/$2.xml" <<XML
<domain type='qemu'><name>$2</name><uuid>$3</uuid>
<memory unit='MiB'>32</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>$emu</emulator></devices></domain>
XML
	virsh -q -c "$1" define "$TMP/$2.xml" >"$TMP/virsh.out" 2>&1 || fail "define $2: $(cat "$TMP/virsh.out")"
}

# docs_access: "IFACE.METHOD anyone|privileged" for every method in the member
# tables of docs/dbus/README.md (access column, or "method, privileged" in
# the Guest table), sorted.
docs_access() {
	awk -F'|' '
		/^## org\.cvm\.Cvmd1\./ { iface = $0; sub(/^## /, "", iface); sub(/ .*/, "", iface) }
		/^\| `[A-Za-z]+\(/ {
			kind = $3; access = $4
			if (kind !~ /^ *method/) next
			if (kind ~ /,/) { access = kind; sub(/^[^,]*, */, "", access) }
			name = $2; sub(/^ *`/, "", name); sub(/\(.*/, "", name)
			if (access ~ /^ *anyone/) a = "anyone"; else if (access ~ /^ *privileged/) a = "privileged"
			else { print "cannot read the access of " iface "." name > "/dev/stderr"; exit 1 }
			print iface "." name " " a
		}' docs/dbus/README.md | sort
}

# embedded_qemu: libvirt's embedded QEMU driver under the state folder, at
# $URI (root only); the QEMUs of this test (qemu_pids) are killed at the end.
embedded_qemu() {
	[ "$(id -u)" = 0 ] || fail "needs root (the embedded driver runs QEMU as libvirt-qemu; scripts/deps.sh)"
	URI="qemu:///embed?root=$CVM_STATE_DIR/libvirt"
	CLEANUP_HOOK='for p in $(qemu_pids); do kill -9 "$p" 2>/dev/null; done'
}
qemu_pids() { pgrep -f "qemu-system.*$TMP" || true; }

# build_images_ab: $TMP/a.igvm (examples/hello) and $TMP/b.igvm, the same
# program printing another line of the same length (a firmware update).
build_images_ab() {
	"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/a.igvm" >/dev/null
	python3 - examples/hello/manifest.json "$TMP/b.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
old = b"Hello from a cvm IGVM guest".hex(" ")
chunk = m["directives"][0]["chunks"][0]
chunk["hex"] = chunk["hex"].replace(old, b"Firmware B says hello here!".hex(" "))
json.dump(m, open(sys.argv[2], "w"))
PY
	"$CVMCTL" igvm build "$TMP/b.json" -o "$TMP/b.igvm" >/dev/null
}
