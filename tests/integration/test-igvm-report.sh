#!/bin/sh
# One IGVM report (cvm/igvm-report.h) behind both front ends: cvmd's
# Manager.InspectIgvm on a private bus and `cvmctl igvm inspect --json`
# (in-process) return the same document for every IGVM file at hand: the
# seed corpora in the tree, the examples, a signed one (SNP ID block) and
# OVMF wrapped for SEV-SNP+native and for TDX. A file cvmd's validator
# refuses must be one `cvmctl igvm validate` refuses too, and be refused by
# name; that is the only way the two may differ.
set -eu
. tests/integration/lib-cvmd.sh
OVMF=/usr/share/ovmf/OVMF.fd

mkdir -p "$TMP/files"
for f in tests/fuzz/corpus/*/*.igvm; do
	cp "$f" "$TMP/files/$(basename "$(dirname "$f")")-$(basename "$f")"
done
for e in hello hello-params snp-hello; do
	"$CVMCTL" igvm build "examples/$e/manifest.json" -o "$TMP/files/$e.igvm" >/dev/null || fail "build $e"
done
openssl ecparam -name secp384r1 -genkey -noout -out "$TMP/id.pem" 2>/dev/null || fail "keygen"
"$CVMCTL" igvm sign "$TMP/files/snp-hello.igvm" --id-key "$TMP/id.pem" -o "$TMP/files/signed.igvm" >/dev/null ||
	fail "sign"
if [ -r "$OVMF" ]; then
	"$CVMCTL" igvm build --from-ovmf "$OVMF" --platforms sev-snp,native -o "$TMP/files/ovmf-snp.igvm" >/dev/null ||
		fail "wrap OVMF for sev-snp,native"
	"$CVMCTL" igvm build --from-ovmf "$OVMF" --platforms tdx -o "$TMP/files/ovmf-tdx.igvm" >/dev/null ||
		fail "wrap OVMF for tdx"
fi

start_bus
start_cvmd test:///default

# Each file through both; the documents are compared in one python run.
mkdir -p "$TMP/ctl" "$TMP/viabus"
refused=0
for f in "$TMP"/files/*.igvm; do
	n=$(basename "$f")
	if ! "$CVMCTL" igvm inspect --json "$f" >"$TMP/ctl/$n" 2>"$TMP/ctl.err"; then
		# cvmctl refuses only what the report cannot read; cvmd must too
		"$HELPERS/cvmd-fd-call" "$BUS" InspectIgvm "$f" >"$TMP/out" 2>&1 &&
			fail "$n: cvmctl refused it ($(cat "$TMP/ctl.err")) but InspectIgvm described it"
		rm "$TMP/ctl/$n"
		refused=$((refused + 1))
		continue
	fi
	if ! "$HELPERS/cvmd-fd-call" "$BUS" InspectIgvm "$f" >"$TMP/viabus/$n" 2>&1; then
		grep -q 'org.cvm.Cvmd1.Error.\(InvalidData\|Truncated\|Validation\)' "$TMP/viabus/$n" ||
			fail "$n: InspectIgvm: $(cat "$TMP/viabus/$n")"
		"$CVMCTL" igvm validate "$f" >/dev/null 2>&1 &&
			fail "$n: InspectIgvm refused a file the validator accepts: $(cat "$TMP/viabus/$n")"
		rm "$TMP/ctl/$n" "$TMP/viabus/$n"
		refused=$((refused + 1))
	fi
done
same=$(python3 - "$TMP/ctl" "$TMP/viabus" <<'PY'
import difflib, json, os, sys
ctl, bus = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(ctl))
for n in names:
    a = json.dumps(json.load(open(os.path.join(ctl, n))), sort_keys=True, indent=1).splitlines()
    b = json.dumps(json.load(open(os.path.join(bus, n))), sort_keys=True, indent=1).splitlines()
    if a != b:
        d = list(difflib.unified_diff(a, b, "cvmctl igvm inspect --json", "InspectIgvm", lineterm="", n=1))
        sys.exit("%s: the documents differ:\n%s" % (n, "\n".join(d[:40])))
print(len(names))
PY
) || fail "InspectIgvm and cvmctl igvm inspect --json differ"
# The comparison must not be empty: the examples and the signed file alone
# give four documents.
[ "$same" -ge 4 ] || fail "only $same files compared ($refused refused)"

# By path (privileged callers) the same document as by fd.
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.InspectIgvm "{'path': <'$TMP/files/signed.igvm'>}"
[ "$rc" -eq 0 ] || fail "InspectIgvm by path: $(cat "$TMP/out")"
"$HELPERS/cvmd-fd-call" "$BUS" InspectIgvm "$TMP/files/signed.igvm" >"$TMP/fd.json" || fail "InspectIgvm by fd"
python3 - "$TMP/out" "$TMP/fd.json" <<'PY' || fail "path and fd documents differ"
import ast, json, sys
by_path = json.loads(ast.literal_eval(open(sys.argv[1]).read().strip())[0])
by_fd = json.load(open(sys.argv[2]))
assert by_path == by_fd, (by_path, by_fd)
assert by_fd["snp-id-blocks"] and by_fd["page-size"] == 4096, by_fd["file"]
PY
echo "ok: $same documents equal, $refused files refused by both"
