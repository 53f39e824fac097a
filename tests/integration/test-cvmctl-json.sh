#!/bin/sh
# cvmctl's output contract (docs/cvmctl.md): every command that prints
# structured data takes --json and prints JSON that parses, with kebab-case
# keys and times as RFC 3339 strings; commands that print none refuse --json;
# each command's --help lists only its own options.
set -eu
. tests/integration/lib-cvmd.sh
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/nobus"
unset DBUS_SESSION_BUS_ADDRESS CVM_BUS
export XDG_RUNTIME_DIR="$TMP/run" CVM_LIBVIRT_URI=test:///default
OVMF=/usr/share/ovmf/OVMF.fd

# check NAME FILE: FILE is one JSON value; every object key is kebab-case,
# except the keys of maps named by the IGVM spec (directive-counts and
# header-types: header type names); a "created" is an RFC 3339 string.
check() {
	python3 - "$1" "$2" <<'PY' || fail "$1: $(head -c 600 "$2")"
import datetime, json, re, sys
name, path = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
bad = []
def walk(o, where):
    if isinstance(o, dict):
        for k, v in o.items():
            if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", k) and not where.endswith(("/directive-counts", "/header-types")):
                bad.append(where + "/" + k)
            if k == "created":
                assert isinstance(v, str), (name, "created is not a string", v)
                datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
            walk(v, where + "/" + k)
    elif isinstance(o, list):
        for x in o:
            walk(x, where + "[]")
walk(doc, "")
assert not bad, (name, "keys not kebab-case", bad)
PY
}

# json NAME CVMCTL-ARGS...: run, expect exit 0 (or $RC), check the output
json() {
	name=$1; shift
	set +e
	"$CVMCTL" "$@" >"$TMP/j.out" 2>"$TMP/j.err"
	rc=$?
	set -e
	[ "$rc" -eq "${RC:-0}" ] || fail "$name: exit $rc: $(cat "$TMP/j.err")"
	check "$name" "$TMP/j.out"
	n=$((n + 1))
}
n=0

"$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/snp.igvm" >/dev/null || fail "build snp"
"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null || fail "build hello"
openssl ecparam -name secp384r1 -genkey -noout -out "$TMP/id.pem" 2>/dev/null || fail "keygen"
D="$CVM_SRCDIR/tests/data/third-party/trustee"

json version version --json
json "igvm inspect" igvm inspect --json "$TMP/snp.igvm"
json "igvm measure" igvm measure --json "$TMP/snp.igvm"
RC=3 json "igvm diff" igvm diff --json "$TMP/hello.igvm" "$TMP/snp.igvm"
json "igvm validate" igvm validate --json "$TMP/snp.igvm"
json measure measure --json --ovmf "$OVMF"
json "attest verify" attest verify --json "$D/report-milan-v2.bin" --vcek "$D/vcek-milan.der" \
	--roots "$CVM_SRCDIR/tests/data/third-party/virtee-sev"
# guests, in-process on libvirt's test driver
json launch launch --json --igvm "$TMP/hello.igvm" --name j1 --memory 64M
json list list --json
json status status --json j1
python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); assert g["created"].endswith("+00:00") or g["created"].endswith("Z"), g' \
	"$TMP/j.out" || fail "status created: $(cat "$TMP/j.out")"
json "fwupdate status" fwupdate status --json j1
# through cvmd
start_bus
start_cvmd test:///default
json "list (cvmd)" list --json --bus "$BUS"
json "status (cvmd)" status --json --bus "$BUS" j1
json "attest stats" attest stats --json --bus "$BUS"
json "migrate status" migrate status --json --bus "$BUS"
stop_cvmd
echo "$n JSON outputs checked"

# --- commands with no structured output refuse --json
for c in "stop j1" "forget j1" "domxml --igvm $TMP/hello.igvm --name j2" \
	"igvm sign $TMP/snp.igvm --id-key $TMP/id.pem -o $TMP/s.igvm" "igvm verify $TMP/snp.igvm" \
	"console j1 --no-follow"; do
	set +e
	# shellcheck disable=SC2086 # the words are the command and its options
	"$CVMCTL" $c --json >/dev/null 2>"$TMP/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] && grep -q "Unknown option --json" "$TMP/err" || fail "$c accepted --json (exit $rc): $(cat "$TMP/err")"
done

# --- each --help lists only the command's own options
help_has() { "$CVMCTL" $1 --help | grep -q -- "$2"; }
help_has list --json || fail "list --help lacks --json"
help_has list --force && fail "list --help shows stop's --force"
help_has stop --force || fail "stop --help lacks --force"
help_has launch --write-files && fail "launch --help shows domxml's --write-files"
help_has domxml --console && fail "domxml --help shows launch's --console"
help_has domxml --write-files || fail "domxml --help lacks --write-files"
help_has "fwupdate status" --connect && fail "fwupdate status --help shows apply's --connect"
help_has "fwupdate apply" --connect || fail "fwupdate apply --help lacks --connect"
echo "test-cvmctl-json: ok"
