#!/bin/sh
# The domain XML cvm makes for every platform, checked by the libvirt and
# QEMU installed where this runs (make check-modern runs it inside the
# Debian trixie and sid roots; it needs virsh, virt-xml-validate, xmllint,
# openssl and qemu-system-x86_64). For each platform, `cvmctl domxml
# --host-facts` makes the XML for a host that has the hardware (this host's
# own `cvmctl host --json`, with the facts it lacks set), and then:
#  (a) virt-xml-validate checks it against this libvirt's RNG schema;
#  (b) libvirt's embedded QEMU driver defines it and dumpxml gives back every
#      setting cvm wrote. Without /dev/kvm the QEMU driver refuses type='kvm',
#      and without the SEV/TDX firmware it refuses launchSecurity (both by
#      rule, see docs/modern-stack.md): the refusals are checked to be those
#      rules, the rest of the XML (type='qemu', no launchSecurity) is
#      defined and read back on the QEMU driver, and launchSecurity on the
#      test driver (the same parser and formatter, src/conf/domain_conf.c);
#  (c) this QEMU runs the equivalent command line (the XML's settings, the
#      launchSecurity object libvirt would add, cvm's <qemu:commandline>)
#      and must accept every option up to the accelerator: KVM missing is
#      the expected stop. A QEMU built without IGVM (Debian's) refuses
#      igvm-cfg by its build; the line is then run again without it.
# TDX: cvm makes no TDX XML (QEMU's IGVM loader has no TDX), checked too.
# Prints one table line per platform; exits 1 when any check fails.
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
QEMU=${CVM_QEMU:-qemu-system-x86_64}
OVMF=${CVM_OVMF:-/usr/share/ovmf/OVMF.fd}
TMP=$(mktemp -d)
export CVM_STATE_DIR="$TMP/state"
EMBED="qemu:///embed?root=$TMP/libvirt"
# libvirt's own notes (the embedded driver's "tainted" and the like) go
# to a file; its errors still reach virsh's stderr.
export LIBVIRT_LOG_OUTPUTS="3:file:$TMP/libvirt.log"

rc=0
cleanup() {
	[ -f "$TMP/qemu.pid" ] && kill "$(cat "$TMP/qemu.pid")" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
fail() { echo "domxml-check: FAIL: $*" >&2; rc=1; }

# What cvm sets, as XPath (one per line); the machine alias is checked
# apart (libvirt stores q35 as its versioned pc-q35-X.Y).
SETTINGS='string(/domain/@type)
string(/domain/name)
string(/domain/memory)
string(/domain/vcpu)
string(/domain/os/type)
string(/domain/os/type/@arch)
string(/domain/os/loader)
string(/domain/os/loader/@type)
string(/domain/os/loader/@readonly)
name(/domain/features/acpi)
string(/domain/cpu/@mode)
string(/domain/cpu/@match)
string(/domain/cpu/model)
string(/domain/cpu/model/@fallback)
string(/domain/on_poweroff)
string(/domain/on_reboot)
string(/domain/on_crash)
string(/domain/devices/serial/@type)
string(/domain/devices/serial/log/@file)
string(/domain/devices/serial/log/@append)
string(/domain/devices/console/target/@type)
string(/domain/devices/memballoon/@model)
/domain/metadata/*[local-name()="guest"]/*[local-name()="igvm"]/@*
/domain/*[local-name()="commandline"]/*/@value'
LS_SETTINGS='string(/domain/launchSecurity/@type)
string(/domain/launchSecurity/@authorKey)
string(/domain/launchSecurity/cbitpos)
string(/domain/launchSecurity/reducedPhysBits)
string(/domain/launchSecurity/policy)
string(/domain/launchSecurity/idBlock)
string(/domain/launchSecurity/idAuth)'

xp() { xmllint --xpath "$2" "$1" 2>/dev/null || true; }

# settings FILE LIST [ONLY]: the value of each XPath of LIST, one line each;
# with ONLY (a file settings made) those that are set there. Policies are
# compared as numbers (libvirt writes SEV's with four digits, cvm eight).
settings() {
	echo "$2" | while IFS= read -r e; do
		v=$(xp "$1" "$e" | tr '\n' ' ' | sed 's/ *$//')
		case "$e" in *policy*) [ -z "$v" ] || v=$(printf '%d' $v) ;; esac
		if [ -n "${3:-}" ] && grep -qxF "$e: " "$3"; then continue; fi
		printf '%s: %s\n' "$e" "$v"
	done
}

# same_settings WHAT WROTE BACK LIST: every setting of WROTE is in BACK
# (libvirt adds its defaults to what cvm leaves out: a TCG cpu model).
same_settings() {
	settings "$2" "$4" >"$TMP/all"
	settings "$2" "$4" "$TMP/all" >"$TMP/want"
	settings "$3" "$4" "$TMP/all" >"$TMP/got"
	if ! cmp -s "$TMP/want" "$TMP/got"; then
		fail "$1: libvirt did not keep cvm's settings:"
		diff "$TMP/want" "$TMP/got" | sed 's/^/    /' >&2
		return 1
	fi
	m=$(xp "$2" 'string(/domain/os/type/@machine)')
	mb=$(xp "$3" 'string(/domain/os/type/@machine)')
	case "$mb" in
	"$m" | "pc-$m-"*) ;;
	*) fail "$1: machine $m came back as $mb"; return 1 ;;
	esac
}

# Inputs: examples/hello (native), the same page for SEV and TDX as well,
# OVMF wrapped for SEV-ES and SEV-SNP, and that file with a signed ID block.
"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null
sed 's/"type": "native"/"type": "sev" }, { "type": "tdx" }, { "type": "native"/' examples/hello/manifest.json \
	>"$TMP/hello-sev.json"
"$CVMCTL" igvm build "$TMP/hello-sev.json" -o "$TMP/hello-sev.igvm" >/dev/null
"$CVMCTL" igvm build --from-ovmf "$OVMF" --platforms sev-snp,sev-es,native -o "$TMP/ovmf.igvm" >/dev/null
openssl ecparam -genkey -name secp384r1 -noout -out "$TMP/id.pem" 2>/dev/null
openssl ecparam -genkey -name secp384r1 -noout -out "$TMP/author.pem" 2>/dev/null
"$CVMCTL" igvm sign "$TMP/ovmf.igvm" --id-key "$TMP/id.pem" --author-key "$TMP/author.pem" \
	-o "$TMP/ovmf-id.igvm" >/dev/null

# This host's facts, then the same host with the hardware: KVM, a QEMU with
# igvm-cfg, SEV (C-bit 51, one reduced bit, as EPYC reports) and SEV-SNP or
# TDX. libvirt's version stays this one's: it decides idBlock/idAuth.
"$CVMCTL" host --json -c "$EMBED" >"$TMP/native.json"
sed 's/"kvm":false/"kvm":true/; s/"qemu-igvm":false/"qemu-igvm":true/; s/"sev":false/"sev":true/;
	s/"sev-cbitpos":0/"sev-cbitpos":51/; s/"sev-reduced-phys-bits":0/"sev-reduced-phys-bits":1/' \
	"$TMP/native.json" >"$TMP/sev.json"
sed 's/"sev-snp":false/"sev-snp":true/' "$TMP/sev.json" >"$TMP/sev-snp.json"
sed 's/"kvm":false/"kvm":true/; s/"qemu-igvm":false/"qemu-igvm":true/; s/"tdx":false/"tdx":true/' \
	"$TMP/native.json" >"$TMP/tdx.json"
libvirt=$(virsh --version)
qemu=$("$QEMU" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')
igvm=no
"$QEMU" -object help | grep -qx '  igvm-cfg' && igvm=yes
kvm=absent
[ -w /dev/kvm ] && kvm=present
echo "domxml-check: libvirt $libvirt, QEMU $qemu (igvm-cfg $igvm), /dev/kvm $kvm"

# qemu_line XML: the QEMU arguments equivalent to XML (one per line): what
# libvirt makes of cvm's settings (qemuBuildSEVCommandLine and
# qemuBuildSEVSNPCommandLine for launchSecurity), then cvm's own arguments.
qemu_line() {
	x=$1
	accel=tcg
	[ "$(xp "$x" 'string(/domain/@type)')" = kvm ] && accel=kvm
	printf '%s\n' -nodefaults -no-user-config -display none -machine "$(xp "$x" 'string(/domain/os/type/@machine)')" \
		-accel "$accel" -m "$(xp "$x" 'string(/domain/memory)')k" -smp "$(xp "$x" 'string(/domain/vcpu)')" \
		-serial "file:$TMP/serial.log"
	cpu=$(xp "$x" 'string(/domain/cpu/model)')
	[ -z "$cpu" ] || printf '%s\n' -cpu "$cpu"
	bios=$(xp "$x" 'string(/domain/os/loader)')
	[ -z "$bios" ] || printf '%s\n' -bios "$bios"
	ls=$(xp "$x" 'string(/domain/launchSecurity/@type)')
	if [ -n "$ls" ]; then
		common="id=lsec0,cbitpos=$(xp "$x" 'string(/domain/launchSecurity/cbitpos)')"
		common="$common,reduced-phys-bits=$(xp "$x" 'string(/domain/launchSecurity/reducedPhysBits)')"
		common="$common,policy=$(xp "$x" 'string(/domain/launchSecurity/policy)')"
		idb=$(xp "$x" 'string(/domain/launchSecurity/idBlock)')
		ida=$(xp "$x" 'string(/domain/launchSecurity/idAuth)')
		if [ "$ls" = sev-snp ]; then
			obj="sev-snp-guest,$common"
			[ -z "$idb" ] || obj="$obj,id-block=$idb,id-auth=$ida"
			[ "$(xp "$x" 'string(/domain/launchSecurity/@authorKey)')" != yes ] ||
				obj="$obj,author-key-enabled=on"
		else
			obj="sev-guest,$common"
		fi
		printf '%s\n' -object "$obj" -machine confidential-guest-support=lsec0
	fi
	xmllint --xpath '/domain/*[local-name()="commandline"]/*/@value' "$x" 2>/dev/null |
		sed -n 's/^ *value="\(.*\)"$/\1/p' | sed 's/&quot;/"/g; s/&amp;/\&/g'
}

# drop_pairs ERE: the argument lines of stdin without each -object or
# -machine whose value matches ERE (the option goes with its value).
drop_pairs() {
	awk -v re="$1" '/^-(object|machine)$/ { o = $0; next }
		o != "" { if ($0 !~ re) print o "\n" $0; o = ""; next } { print }'
}

# run_qemu ARGFILE: QEMU with those arguments, daemonized (its parent exits
# 0 only once initialisation is complete, else with QEMU's error); a QEMU
# that came up is stopped. Prints "up" or QEMU's first error line.
run_qemu() {
	rm -f "$TMP/qemu.pid"
	f=$1
	set +u # dash: "$@" of no arguments
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$f"
	set -u
	if "$QEMU" "$@" -daemonize -pidfile "$TMP/qemu.pid" >"$TMP/qemu.out" 2>&1; then
		kill "$(cat "$TMP/qemu.pid")"
		rm -f "$TMP/qemu.pid"
		echo up
	else
		grep -m1 . "$TMP/qemu.out" || echo "exit without a message"
	fi
}

echo "| platform | schema valid | defined and read back | QEMU accepted up to the hardware check |"
echo "| --- | --- | --- | --- |"
for c in native:native:hello.igvm sev:sev:hello-sev.igvm sev-es:sev-es:ovmf.igvm sev-snp:sev-snp:ovmf.igvm \
	sev-snp-id:sev-snp:ovmf-id.igvm tdx:tdx:hello-sev.igvm; do
	case=${c%%:*}; rest=${c#*:}; platform=${rest%%:*}; file=${rest#*:}
	case $platform in
	sev-es) facts="$TMP/sev.json" ;;
	*) facts="$TMP/$platform.json" ;;
	esac
	xml="$TMP/$case.xml"
	if ! "$CVMCTL" domxml --host-facts "$facts" --igvm "$TMP/$file" --name "cvm-$case" \
		--platform "$platform" --memory 128M --write-files "$TMP/guest-$case" >"$xml" 2>"$TMP/err"; then
		if [ "$platform" = tdx ] && grep -q "IGVM loader does not support TDX" "$TMP/err"; then
			echo "| tdx | no XML: cvm refuses TDX (QEMU's IGVM loader has none) | - | - |"
			continue
		fi
		fail "$case: cvmctl domxml: $(cat "$TMP/err")"
		continue
	fi
	[ "$platform" = tdx ] && fail "tdx: cvm made TDX XML, which no QEMU's IGVM loader can launch"
	if [ "$case" = sev-snp-id ] && [ -z "$(xp "$xml" 'string(/domain/launchSecurity/idBlock)')" ] &&
		[ -z "$(xp "$xml" '/domain/*[local-name()="commandline"]/*[contains(@value,"id-block")]')" ]; then
		fail "$case: the signed file's ID block is not in the XML"
	fi
	# Signed with an author key: the firmware must be told (AUTH_KEY_EN).
	if [ "$case" = sev-snp-id ] && [ "$(xp "$xml" 'string(/domain/launchSecurity/@authorKey)')" != yes ] &&
		[ -z "$(xp "$xml" '/domain/*[local-name()="commandline"]/*[contains(@value,"author-key-enabled=on")]')" ]; then
		fail "$case: the signed file's author key is not enabled in the XML"
	fi

	# (a) this libvirt's RNG schema
	if virt-xml-validate "$xml" domain >"$TMP/valid" 2>&1; then
		schema=yes
	else
		schema=NO
		fail "$case: RNG schema: $(cat "$TMP/valid")"
	fi

	# (b) define and read back
	define="$TMP/$case-def.xml"
	cp "$xml" "$define"
	notes=""
	defined_ok=0
	virsh -q -c "$EMBED" define "$define" >/dev/null 2>"$TMP/err" && defined_ok=1
	if [ $defined_ok = 0 ] && grep -q "does not support virt type 'kvm'" "$TMP/err" && [ "$kvm" = absent ]; then
		# libvirt's rules where the hardware is missing: no kvm domain
		# without KVM, no launchSecurity without the platform's firmware.
		notes="kvm refused (no /dev/kvm)"
		sed -i '0,/type="kvm"/s//type="qemu"/' "$define"
		virsh -q -c "$EMBED" define "$define" >/dev/null 2>"$TMP/err" && defined_ok=1
	fi
	if [ $defined_ok = 0 ] && grep -q "launch security is not supported with this QEMU binary" "$TMP/err"; then
		notes="$notes, launchSecurity refused (no SEV here; it is kept by the test driver)"
		# The test driver parses and formats launchSecurity with the
		# code the QEMU driver uses.
		virsh -q -c test:///default "define $xml; dumpxml cvm-$case" >"$TMP/$case-test.xml" 2>"$TMP/err" ||
			fail "$case: test driver: $(cat "$TMP/err")"
		same_settings "$case (test driver)" "$xml" "$TMP/$case-test.xml" "$LS_SETTINGS" ||
			notes="$notes NOT kept"
		sed -i '/<launchSecurity/,/<\/launchSecurity>/d' "$define"
		virsh -q -c "$EMBED" define "$define" >/dev/null 2>"$TMP/err" && defined_ok=1
	fi
	if [ $defined_ok = 1 ]; then
		virsh -q -c "$EMBED" dumpxml "cvm-$case" >"$TMP/$case-back.xml"
		virsh -q -c "$EMBED" undefine "cvm-$case" >/dev/null
		if same_settings "$case" "$define" "$TMP/$case-back.xml" "$SETTINGS"; then
			defined="yes${notes:+ ($notes; the rest defined as type qemu)}"
		else
			defined="NO: settings lost"
		fi
	else
		defined="NO: $(grep -m1 . "$TMP/err")"
		fail "$case: define: $(cat "$TMP/err")"
	fi

	# (c) QEMU
	qemu_line "$xml" >"$TMP/args"
	got=$(run_qemu "$TMP/args")
	note=""
	if [ "$igvm" = no ] && grep -q '^igvm-cfg' "$TMP/args"; then
		case "$got" in
		*igvm-cfg*) ;;
		*) fail "$case: a QEMU without igvm-cfg did not refuse it: $got" ;;
		esac
		note="igvm-cfg refused (no IGVM in this build), then without it: "
		drop_pairs '^igvm-cfg' <"$TMP/args" >"$TMP/args2"
		mv "$TMP/args2" "$TMP/args"
		got=$(run_qemu "$TMP/args")
	fi
	case "$got" in
	up) qemu_ok="yes (${note}up under TCG)" ;;
	*"Could not access KVM kernel module"* | *"failed to initialize kvm"*)
		qemu_ok="yes (${note}stops at: ${got#qemu-system-x86_64: })"
		# QEMU sets -object and -machine properties (the ID block's
		# length among them) before it opens KVM, so a bad one would have
		# stopped it first; -cpu and devices come after the accelerator:
		# the line without the confidential object comes up under TCG.
		if grep -q '^sev-snp-guest,.*id-block=' "$TMP/args"; then
			sed 's/id-block=[^,]*/id-block=AAAA/' "$TMP/args" >"$TMP/args-bad"
			case "$(run_qemu "$TMP/args-bad")" in
			*KVM* | *kvm* | up) fail "$case: QEMU did not check the ID block before KVM" ;;
			esac
		fi
		drop_pairs '^(sev-guest|sev-snp-guest|confidential-guest-support=)' <"$TMP/args" |
			sed 's/^kvm$/tcg/' >"$TMP/args-tcg"
		tcg=$(run_qemu "$TMP/args-tcg")
		if [ "$tcg" = up ]; then
			qemu_ok="$qemu_ok; the rest up under TCG"
		else
			qemu_ok="NO: $qemu_ok; the rest under TCG: $tcg"
			fail "$case: the line without its confidential object under TCG: $tcg"
		fi
		;;
	*) qemu_ok="NO: $note$got"; fail "$case: QEMU refused: $got (arguments: $(tr '\n' ' ' <"$TMP/args"))" ;;
	esac
	echo "| $case | $schema | $defined | $qemu_ok |"
done
[ $rc -eq 0 ] && echo "domxml-check: ok"
exit $rc
