/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hostile load on one attestation service, for the integration tests
 * (test-cvmd-attest-load.sh); the same clients as test-attest-load.
 *   attest-load proxy|certs|qgs SOCKET churn|concurrent|stall|trickle|mutate|ask
 * mutate: 10,000 mutated requests (seed CVM_LOAD_SEED, default 17), none
 * may be left hanging; ask: one valid request; churn: 40 threads x 25 connections; concurrent: 500 requests at once,
 * each answered or refused; stall: 100 connections hold a first byte while
 * a valid request is answered within 2 s; trickle: a byte every 100 ms is
 * cut off at the request deadline. Each then asks once more. Exit 0 when
 * the service behaved and still answers; prints what it saw. */
#include "tests/lib/attest-load.h"
#include "libcvm/socket-uri-internal.h"

#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	CvmtLoadKind kind;
	gboolean ok = TRUE;

	if (argc != 4 || !cvmt_load_kind_parse(argv[1], &kind)) {
		fprintf(stderr, "usage: %s proxy|certs|qgs SOCKET churn|concurrent|stall|trickle|mutate|ask\n", argv[0]);
		return 2;
	}
	const char *path = argv[2], *mode = argv[3];
	if (strcmp(mode, "churn") == 0) {
		cvmt_load_churn(kind, path, 40, 25);
	} else if (strcmp(mode, "ask") == 0) {
		/* only the closing request below */
	} else if (strcmp(mode, "mutate") == 0) {
		const char *env = g_getenv("CVM_LOAD_SEED");
		guint32 seed = env ? (guint32)g_ascii_strtoull(env, NULL, 10) : 17;
		guint answered, closed, hung;
		cvmt_load_mutate(kind, path, 10000, 8, seed, &answered, &closed, &hung);
		printf("10000 mutated frames (seed %u): %u answered, %u closed, %u hung\n", seed, answered, closed, hung);
		ok = hung == 0;
	} else if (strcmp(mode, "concurrent") == 0) {
		guint answered, refused;
		cvmt_load_concurrent(kind, path, 500, 50, 20000, &answered, &refused);
		printf("%u answered, %u refused\n", answered, refused);
		ok = answered + refused == 500 && answered >= 16;
	} else if (strcmp(mode, "stall") == 0) {
		int *fds = cvmt_load_stall(kind, path, 100);
		ok = cvmt_load_ask(kind, path, 2000);
		printf("valid request with 100 stalled connections: %s\n", ok ? "answered" : "NOT answered");
		cvmt_load_close(fds, 100);
	} else if (strcmp(mode, "trickle") == 0) {
		gint64 took = cvmt_load_trickle(kind, path, 100, CVMI_SERVICE_REQUEST_MS + 4000);
		printf("trickling connection closed after %" G_GINT64_FORMAT " ms\n", took);
		ok = took >= 0;
	} else {
		fprintf(stderr, "attest-load: unknown mode %s\n", mode);
		return 2;
	}
	if (!cvmt_load_ask_within(kind, path, 10000)) {
		printf("the service no longer answers\n");
		ok = FALSE;
	}
	return ok ? 0 : 1;
}
