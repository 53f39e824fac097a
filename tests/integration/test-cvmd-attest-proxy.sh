#!/bin/sh
# test-attest-proxy.sh's requests (success, the agent's v2 errors, no
# response, garbage, slow, dead, the circuit breaker, an agent command; v1
# and v2 clients) through the proxy hosted by cvmd, configured over D-Bus.
ATTEST_VIA=cvmd exec sh tests/integration/test-attest-proxy.sh
