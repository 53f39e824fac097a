#!/bin/sh
# The attestation services hosted by cvmd under hostile load (issue 22):
# connection churn and 500 requests at once crashed cvmd (exit 139) in
# GLib's GThreadedSocketService; stalled and trickling connections held
# every worker. For the certificate endpoint, a QGS front end and a proxy
# front end (no agent or QGS behind them: each request gets its error answer
# at once), tests/helpers/attest-load runs each kind of load; cvmd must stay
# up and every service answer afterwards.
set -eu
. tests/integration/lib-cvmd.sh
H="$(pwd)/$BUILDDIR/tests/helpers"
start_bus
start_cvmd test:///default
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.ServeCertificates "{'listen': <'$TMP/certs.sock'>}"
[ $rc = 0 ] || fail "ServeCertificates: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.ServeQuotes td1 \
	"{'listen': <'$TMP/qgs.sock'>, 'qgs-socket': <'$TMP/no-qgs.sock'>, 'deadline-ms': <uint32 2000>}"
[ $rc = 0 ] || fail "ServeQuotes: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.Serve g1 \
	"{'listen': <'$TMP/front.sock'>, 'agent-socket': <'$TMP/no-agent.sock'>, 'attempts': <uint32 1>}"
[ $rc = 0 ] || fail "Serve: $(cat "$TMP/out")"
for kind in certs qgs proxy; do
	case $kind in certs) sock=certs.sock ;; qgs) sock=qgs.sock ;; proxy) sock=front.sock ;; esac
	for mode in churn concurrent stall trickle; do
		"$H/attest-load" $kind "$TMP/$sock" $mode >"$TMP/load" 2>&1 || fail "$kind $mode: $(cat "$TMP/load")"
		kill -0 "$CVMD_PID" 2>/dev/null || fail "cvmd died under $kind $mode"
		echo "$kind $mode: $(cat "$TMP/load")"
	done
done
# Still the same cvmd, still on the bus.
call /org/cvm/Cvmd1 org.freedesktop.DBus.Peer.Ping
[ $rc = 0 ] || fail "cvmd no longer answers on the bus: $(cat "$TMP/out")"
stop_cvmd
echo ok
