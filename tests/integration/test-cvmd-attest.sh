#!/bin/sh
# The attestation proxy hosted by cvmd: Serve() configures a guest, requests
# go through, a failure becomes a RequestFailed signal and counts in
# GetCounters / cvmctl attest stats, and after a restart the guest is served
# again from the kept configuration. ServeQuotes: a QGS-compatible socket
# for QEMU forwarded to a stub QGS (quote back; QGS down answered with
# QGS_MSG_ERROR_UNEXPECTED). ServeCertificates: the SNP certificate endpoint
# answering from the store (empty table, ENOSPC with the pages needed, the
# imported table, EAGAIN while an update is marked). Both kept over a restart.
set -eu
. tests/integration/lib-cvmd.sh
H="$(pwd)/$BUILDDIR/tests/helpers"
AGENT=""
CLEANUP_HOOK='[ -n "${AGENT:-}" ] && kill "$AGENT" 2>/dev/null; [ -n "${QGS:-}" ] && kill "$QGS" 2>/dev/null'
"$H/attest-agent" "$TMP/agent.sock" ok & AGENT=$!
QGS=""
# A stub QGS: answers GET_QUOTE_REQ with a 100-byte quote (QGS wire format:
# BE32 length, LE header {1, 1, type, size, error}, then the body).
cat >"$TMP/qgs.py" <<'PY'
import os, socket, struct, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(8)
while True:
    c, _ = s.accept()
    n = struct.unpack(">I", c.recv(4, socket.MSG_WAITALL))[0]
    body = c.recv(n, socket.MSG_WAITALL)
    major, minor, typ, size, err = struct.unpack_from("<HHIII", body)
    assert (major, minor, typ, size) == (1, 1, 0, n), (major, minor, typ, size, n)
    quote = b"\x51" * 100
    resp = struct.pack("<HHIIIII", 1, 1, 1, 16 + 8 + len(quote), 0, 0, len(quote)) + quote
    c.sendall(struct.pack(">I", len(resp)) + resp); c.close()
PY
# "QEMU": one GET_QUOTE_REQ with a 1024-byte TDREPORT; prints error code and quote length.
cat >"$TMP/qemu.py" <<'PY'
import socket, struct, sys
c = socket.socket(socket.AF_UNIX); c.settimeout(10); c.connect(sys.argv[1])
report = b"\x7d" * 1024
req = struct.pack("<HHIIIII", 1, 1, 0, 16 + 8 + len(report), 0, len(report), 0) + report
c.sendall(struct.pack(">I", len(req)) + req)
n = struct.unpack(">I", c.recv(4, socket.MSG_WAITALL))[0]
body = c.recv(n, socket.MSG_WAITALL)
major, minor, typ, size, err, sel, qlen = struct.unpack_from("<HHIIIII", body)
assert typ == 1 and size == n, (typ, size, n)
print("error=0x%x quote=%d" % (err, qlen))
PY
# A VMM handling KVM_EXIT_SNP_REQ_CERTS: LE32 length, chip_id[64], tcb, gpa, npages;
# the answer LE32 length, ret u64, npages u64, table.
cat >"$TMP/vmm.py" <<'PY'
import socket, struct, sys
c = socket.socket(socket.AF_UNIX); c.settimeout(10); c.connect(sys.argv[1])
req = bytes([0xc1]) * 64 + struct.pack("<QQQ", int(sys.argv[2], 16), 0x10000, int(sys.argv[3]))
c.sendall(struct.pack("<I", len(req)) + req)
n = struct.unpack("<I", c.recv(4, socket.MSG_WAITALL))[0]
body = c.recv(n, socket.MSG_WAITALL)
ret, pages = struct.unpack_from("<QQ", body)
print("ret=%d pages=%d table=%d" % (ret, pages, len(body) - 16))
PY
python3 "$TMP/qgs.py" "$TMP/qgs.sock" & QGS=$!
start_bus
start_cvmd test:///default
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.Serve g1 \
	"{'listen': <'$TMP/front.sock'>, 'agent-socket': <'$TMP/agent.sock'>, 'attempts': <uint32 1>, 'timeout-ms': <uint32 1000>}"
[ $rc = 0 ] || fail "Serve: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.Serve g2 "{'listen': <'relative.sock'>, 'agent-socket': <'/x'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "relative listen path: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.Serve g3 "{'listen': <'tcp:127.0.0.1:1'>, 'agent-socket': <'/x'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "tcp front end: $(cat "$TMP/out")"
# A vsock front end: the port is held by cvmd (this host has no vsock
# loopback, so no connection is made; a host without AF_VSOCK refuses).
VPORT=$((40000 + $$ % 20000))
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.Serve g4 "{'listen': <'vsock:any:$VPORT'>, 'agent-socket': <'/x'>}"
held=$(python3 -c 'import socket, sys
try:
    s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
except OSError:
    print("none"); sys.exit()
try:
    s.bind((socket.VMADDR_CID_ANY, int(sys.argv[1]))); print("free")
except OSError:
    print("held")' "$VPORT")
case "$held/$rc" in
held/0) ;;
none/*) grep -q org.cvm.Cvmd1.Error.NotSupported "$TMP/out" || fail "vsock without AF_VSOCK: $(cat "$TMP/out")" ;;
*) fail "vsock front end: $held, $(cat "$TMP/out")" ;;
esac
"$H/attest-client" "$TMP/front.sock" v2 >"$TMP/c" || fail "client"
grep -qx "v2 error=0 http=0 signal=0 payload=12" "$TMP/c" || fail "through cvmd: $(cat "$TMP/c")"

start_monitor /org/cvm/Cvmd1 "$TMP/monitor"
kill "$AGENT"; wait "$AGENT" 2>/dev/null || true; AGENT=""
"$H/attest-client" "$TMP/front.sock" v2 >"$TMP/c" || fail "client, dead agent"
grep -qx "v2 error=786433 http=503 signal=1 payload=0" "$TMP/c" || fail "dead agent: $(cat "$TMP/c")"
stop_monitor "$TMP/monitor" "Attestation.RequestFailed"
grep -q "Attestation.RequestFailed ('g1', uint32 786433, uint32 503, true)" "$TMP/monitor" ||
	fail "no RequestFailed signal: $(cat "$TMP/monitor")"
"$CVMCTL" attest stats --bus "$BUS" --json >"$TMP/stats" || fail "cvmctl attest stats"
grep -q '"requests":2' "$TMP/stats" && grep -q '"failures":1' "$TMP/stats" || fail "stats: $(cat "$TMP/stats")"

# TDX quotes: QEMU's quote-generation-socket pointed at cvmd.
for _ in $(seq 100); do [ -S "$TMP/qgs.sock" ] && break; sleep 0.05; done
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.ServeQuotes td1 \
	"{'listen': <'$TMP/td1-qgs.sock'>, 'qgs-socket': <'$TMP/qgs.sock'>, 'deadline-ms': <uint32 2000>}"
[ $rc = 0 ] || fail "ServeQuotes: $(cat "$TMP/out")"
python3 "$TMP/qemu.py" "$TMP/td1-qgs.sock" >"$TMP/q" || fail "quote through cvmd"
grep -qx "error=0x0 quote=100" "$TMP/q" || fail "quote: $(cat "$TMP/q")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.ServeQuotes td2 "{'listen': <'x.sock'>, 'qgs-socket': <'$TMP/qgs.sock'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "relative QGS front path: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.ServeQuotes td2 "{'listen': <'$TMP/td2.sock'>, 'qgs': <'/x'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "unknown key: $(cat "$TMP/out")"

# SNP certificates from the store.
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.ServeCertificates "{'listen': <'$TMP/certs.sock'>}"
[ $rc = 0 ] || fail "ServeCertificates: $(cat "$TMP/out")"
python3 "$TMP/vmm.py" "$TMP/certs.sock" 0xd315000000000004 1 >"$TMP/v" || fail "cert request"
grep -qx "ret=0 pages=0 table=24" "$TMP/v" || fail "no table stored: $(cat "$TMP/v")"
python3 - "$TMP/table.bin" <<'PY'
import struct, sys, uuid
cert = b"\x30" * 5000   # longer than a page: needs 2
head = uuid.UUID("63da758d-e664-4564-adc5-f4b93be8accd").bytes + struct.pack("<II", 48, len(cert))
open(sys.argv[1], "wb").write(head + bytes(24) + cert)
PY
CHIP=$(python3 -c 'print("c1" * 64)')
"$CVMCTL" attest certs import --chip-id "$CHIP" --tcb d315000000000004 "$TMP/table.bin" >"$TMP/imp" 2>&1 ||
	fail "certs import: $(cat "$TMP/imp")"
python3 "$TMP/vmm.py" "$TMP/certs.sock" 0xd315000000000004 1 >"$TMP/v" || fail "cert request, small buffer"
grep -qx "ret=28 pages=2 table=0" "$TMP/v" || fail "ENOSPC expected: $(cat "$TMP/v")"
python3 "$TMP/vmm.py" "$TMP/certs.sock" 0xd315000000000004 2 >"$TMP/v" || fail "cert request"
grep -qx "ret=0 pages=0 table=5048" "$TMP/v" || fail "table expected: $(cat "$TMP/v")"
# An updater's mark (cvm_snp_cert_store_begin_update): BUSY (EAGAIN), never EIO.
: >"$CVM_STATE_DIR/snp-certs/update-in-progress"
python3 "$TMP/vmm.py" "$TMP/certs.sock" 0xd315000000000004 2 >"$TMP/v" || fail "cert request during update"
grep -qx "ret=11 pages=0 table=0" "$TMP/v" || fail "EAGAIN expected during an update: $(cat "$TMP/v")"
rm "$CVM_STATE_DIR/snp-certs/update-in-progress"
# Reconfigured on the same socket with a fill command: a missing TCB is
# BUSY while the command fetches it, then served (and stored).
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.ServeCertificates \
	"{'listen': <'$TMP/certs.sock'>, 'fill-command': <['/bin/sh', '-c', 'echo \"\$1 \$2\" >>$TMP/fill.log; sleep 0.2; cat $TMP/table.bin', 'fill']>, 'fill-timeout-ms': <uint32 5000>}"
[ $rc = 0 ] || fail "ServeCertificates with fill-command: $(cat "$TMP/out")"
python3 "$TMP/vmm.py" "$TMP/certs.sock" 0xd315000000000009 2 >"$TMP/v" || fail "cert request to fill"
grep -qx "ret=11 pages=0 table=0" "$TMP/v" || fail "EAGAIN expected while filling: $(cat "$TMP/v")"
for _ in $(seq 50); do
	python3 "$TMP/vmm.py" "$TMP/certs.sock" 0xd315000000000009 2 >"$TMP/v" || fail "cert request after fill"
	grep -qx "ret=11 pages=0 table=0" "$TMP/v" || break
	sleep 0.1
done
grep -qx "ret=0 pages=0 table=5048" "$TMP/v" || fail "filled table expected: $(cat "$TMP/v")"
[ "$(cat "$TMP/fill.log")" = "$CHIP d315000000000009" ] || fail "fill command arguments: $(cat "$TMP/fill.log")"
[ -f "$CVM_STATE_DIR/snp-certs/$CHIP-d315000000000009.certs" ] || fail "filled table not stored"

# Restart: served again from the kept configuration.
stop_cvmd
"$H/attest-agent" "$TMP/agent.sock" ok & AGENT=$!
start_cvmd test:///default
for _ in $(seq 100); do [ -S "$TMP/front.sock" ] && [ -S "$TMP/agent.sock" ] && break; sleep 0.05; done
"$H/attest-client" "$TMP/front.sock" v1 >"$TMP/c" || fail "client after restart"
grep -qx "v1 payload=12" "$TMP/c" || fail "after restart: $(cat "$TMP/c")"
for _ in $(seq 100); do [ -S "$TMP/td1-qgs.sock" ] && [ -S "$TMP/certs.sock" ] && break; sleep 0.05; done
python3 "$TMP/vmm.py" "$TMP/certs.sock" 0xd315000000000004 2 >"$TMP/v" || fail "cert request after restart"
grep -qx "ret=0 pages=0 table=5048" "$TMP/v" || fail "certificates after restart: $(cat "$TMP/v")"
python3 "$TMP/qemu.py" "$TMP/td1-qgs.sock" >"$TMP/q" || fail "quote after restart"
grep -qx "error=0x0 quote=100" "$TMP/q" || fail "quote after restart: $(cat "$TMP/q")"
kill "$QGS"; wait "$QGS" 2>/dev/null || true; QGS=""
python3 "$TMP/qemu.py" "$TMP/td1-qgs.sock" >"$TMP/q" || fail "quote, QGS down"
grep -qx "error=0x12001 quote=0" "$TMP/q" || fail "QGS down: $(cat "$TMP/q")"
stop_cvmd
echo ok
