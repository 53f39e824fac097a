#!/bin/sh
# Arguments are checked before any work starts (issue 22): a call that names
# a guest cvmd does not have answers NotFound, empty or malformed options
# answer InvalidArgument, and nothing is started or kept for them (no
# migration job, no attestation configuration).
set -eu
. tests/integration/lib-cvmd.sh
M=/org/cvm/Cvmd1
write_record test 6695eb01-f6a4-8304-79aa-97f2502e193f running
start_bus
start_cvmd test:///default

refused() { # refused ERROR WHAT METHOD ARGS...: the call on the manager fails with ERROR
	err=$1; what=$2; shift 2
	call $M "$@"
	[ "$rc" -ne 0 ] && grep -q "org.cvm.Cvmd1.Error.$err" "$TMP/out" || fail "$what: $(cat "$TMP/out")"
}

# --- Migration.Start: no job id for what cannot run
S=org.cvm.Cvmd1.Migration.Start
refused NotFound "Start of an unknown guest" $S nope tcp:127.0.0.1:1 "{}"
refused InvalidArgument "Start without a channel" $S test "" "{}"
refused InvalidArgument "Start with a channel that is no URI" $S test nope "{}"
refused InvalidArgument "Start with an empty dest-connect" $S test tcp:127.0.0.1:1 "{'dest-connect': <''>}"
refused InvalidArgument "Start with a relative memory file" $S test tcp:127.0.0.1:1 "{'dest-memory': <'dest.mem'>}"
call $M org.cvm.Cvmd1.Migration.List
[ "$(cat "$TMP/out")" = "(@as [],)" ] || fail "refused Starts left jobs: $(cat "$TMP/out")"
refused NotFound "GetStatus of no job" org.cvm.Cvmd1.Migration.GetStatus ""

# --- Attestation.Serve: the agent must be named
L="'listen': <'$TMP/front.sock'>"
S=org.cvm.Cvmd1.Attestation.Serve
refused InvalidArgument "Serve with an empty agent command" $S g1 "{$L, 'agent-command': <@as []>}"
refused InvalidArgument "Serve with an empty program name" $S g1 "{$L, 'agent-command': <['']>}"
refused InvalidArgument "Serve without an agent" $S g1 "{$L}"
refused InvalidArgument "Serve with two agents" $S g1 "{$L, 'agent-socket': <'/a.sock'>, 'agent-command': <['/bin/true']>}"
refused InvalidArgument "Serve with a relative agent socket" $S g1 "{$L, 'agent-socket': <'a.sock'>}"
refused InvalidArgument "Serve with no attempts" $S g1 "{$L, 'agent-socket': <'/a.sock'>, 'attempts': <uint32 0>}"
refused InvalidArgument "Serve of a bad guest name" $S '../g' "{$L, 'agent-socket': <'/a.sock'>}"
refused InvalidArgument "ServeCertificates with an empty fill program" org.cvm.Cvmd1.Attestation.ServeCertificates \
	"{'listen': <'$TMP/certs.sock'>, 'fill-command': <['']>}"
[ ! -e "$TMP/certs.sock" ] || fail "a refused ServeCertificates listens"
[ ! -e "$TMP/front.sock" ] || fail "a refused Serve listens"
[ -z "$(ls "$CVM_STATE_DIR/attest" 2>/dev/null)" ] || fail "a refused Serve was kept: $(ls "$CVM_STATE_DIR/attest")"
# a well-formed one is taken (the guest may be launched later: Serve names it)
call $M $S g1 "{$L, 'agent-command': <['/bin/true']>}"
[ "$rc" -eq 0 ] && [ -e "$CVM_STATE_DIR/attest/g1.json" ] || fail "Serve with an agent command: $(cat "$TMP/out")"

# --- MeasureIgvm / InspectIgvm: checked before a worker is used
refused InvalidArgument "MeasureIgvm with an unknown platform" org.cvm.Cvmd1.Manager.MeasureIgvm "{'path': <'/nonexistent'>}" bogus
refused InvalidArgument "InspectIgvm without a source" org.cvm.Cvmd1.Manager.InspectIgvm "{}"
refused NotFound "InspectIgvm of a missing file" org.cvm.Cvmd1.Manager.InspectIgvm "{'path': <'/nonexistent'>}"
kill -0 "$CVMD_PID" || fail "cvmd died"
# a clean exit (under ASan: nothing leaked)
kill "$CVMD_PID"; wait "$CVMD_PID" || fail "cvmd exit status $?"; CVMD_PID=""
echo ok
