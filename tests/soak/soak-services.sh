#!/bin/sh
# Soak of the guest-facing services hosted by cvmd (issue 17): the loads of
# test-cvmd-attest-load.sh (10,000 mutated frames, 100 stalled and 500
# concurrent connections, churn, a trickle, on each of the three services)
# three times, with cvmd's RSS flat after the second round (bound and why:
# that script's header) and its descriptors back to their count every round.
exec env ATTEST_LOAD_ROUNDS=${ATTEST_LOAD_ROUNDS:-3} sh tests/integration/test-cvmd-attest-load.sh
