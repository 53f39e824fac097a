/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test client of the proxy's front end, as a VMM would be.
 *   attest-client SOCKET KIND [COUNT]
 * KIND: v1, v2 (capabilities error-code and retry), v2-nocaps (request data
 * version 2 without capabilities), v2-noretry (error-code only).
 * Sends COUNT requests on one connection (default 1); with ATTEST_CLIENT_TIMES
 * set, prints round-trip p50/p99 (us) and requests per second instead; else,
 * for the last answer: "empty", or "v1 payload=N", or "v2 error=E http=H signal=S
 * payload=N", then "hex=" and the answer's bytes. */
#include "attest/proxy-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
cmp(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	CvmIgvmAttestRequest req = {.header_version = 2, .request_type = 1, .report_type = 2, .hash_type = 1};
	g_autoptr(GBytes) resp = NULL;
	int count = argc > 3 ? atoi(argv[3]) : 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SOCKET v1|v2|v2-nocaps|v2-noretry [COUNT]\n", argv[0]);
		return 2;
	}
	req.data_version = strcmp(argv[2], "v1") == 0 ? 1 : 2;
	req.capabilities = strcmp(argv[2], "v2") == 0	       ? CVM_IGVM_CAP_ERROR_CODE | CVM_IGVM_CAP_RETRY
			   : strcmp(argv[2], "v2-noretry") == 0 ? CVM_IGVM_CAP_ERROR_CODE
								  : 0;
	req.claims = g_bytes_new_static("{\"keys\":[]}", 11);
	g_autoptr(GBytes) msg = cvm_igvm_attest_request_encode(&req, &error);
	g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(argv[1]);
	if (msg == NULL || s == NULL || !g_socket_connect(s, addr, NULL, &error)) {
		fprintf(stderr, "attest-client: %s\n", error->message);
		return 1;
	}
	g_socket_set_timeout(s, 60);
	g_autofree gint64 *times = g_new0(gint64, MAX(count, 1));
	gint64 start = g_get_monotonic_time();
	for (int i = 0; i < count; i++) {
		gint64 t0 = g_get_monotonic_time();
		g_clear_pointer(&resp, g_bytes_unref);
		if (!cvmi_attest_send(s, msg, &error) || (resp = cvmi_attest_recv(s, CVM_IGVM_ATTEST_RESPONSE_MAX, &error)) == NULL) {
			fprintf(stderr, "attest-client: %s\n", error->message);
			return 1;
		}
		times[i] = g_get_monotonic_time() - t0;
	}
	if (g_getenv("ATTEST_CLIENT_TIMES") != NULL) {
		gint64 total = g_get_monotonic_time() - start;
		qsort(times, count, sizeof(gint64), cmp);
		printf("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %.0f\n", times[count / 2], times[count * 99 / 100],
		       count / (total / 1e6));
		return 0;
	}
	gsize len;
	const guint8 *d = g_bytes_get_data(resp, &len);
	CvmIgvmAttestResponse r;
	if (len == 0)
		printf("empty\n");
	else if (!cvm_igvm_attest_response_decode(d, len, &r, &error))
		printf("undecodable %s\n", error->message);
	else {
		if (r.version == 1)
			printf("v1 payload=%zu\n", g_bytes_get_size(r.payload));
		else
			printf("v2 error=%u http=%u signal=%u payload=%zu\n", r.error_code, r.http_status_code, r.igvm_signal,
			       g_bytes_get_size(r.payload));
		cvm_igvm_attest_response_clear(&r);
	}
	printf("hex=");
	for (gsize i = 0; i < len; i++)
		printf("%02x", d[i]);
	printf("\n");
	return 0;
}
