/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the QGS front end's handling of what QEMU sends: the
 * first request as the service frames it (cvmi_qgs_front_frame), handled by
 * cvmi_qgs_front_handle() with no QGS behind it. A whole request always
 * gets a GET_QUOTE response: INVALID_PARAMETER when malformed, UNEXPECTED
 * when the QGS cannot be reached. */
#include "attest/quote-private.h"

#include <cvm/attest-quote.h>
#include <cvm/attest-tdx.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static CvmTdxQuoteService *svc;

static void
cleanup(void)
{
	cvm_tdx_quote_service_free(svc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (svc == NULL) {
		svc = cvm_tdx_quote_service_new("/nonexistent/cvm-fuzz-qgs.sock", 100);
		atexit(cleanup);
	}
	gssize n = cvmi_qgs_front_frame(data, size);
	if (n < 0 || (gsize)n > size)
		__builtin_trap();
	if (n == 0)
		return 0; /* incomplete: the service waits for more, then its deadline */
	g_autoptr(GBytes) resp = cvmi_qgs_front_handle(svc, "g", data, (gsize)n, g_get_monotonic_time() + 100 * 1000);
	gsize len;
	const guint8 *r = resp ? g_bytes_get_data(resp, &len) : NULL;
	guint32 body;
	CvmQgsMessage m;
	if (r == NULL || len < 4 || !cvm_qgs_frame_length(r, &body, NULL) || body != len - 4 ||
	    !cvm_qgs_message_decode(r + 4, body, &m, NULL))
		__builtin_trap();
	if (m.type != CVM_QGS_GET_QUOTE_RESP ||
	    (m.error_code != CVM_QGS_ERROR_INVALID_PARAMETER && m.error_code != CVM_QGS_ERROR_UNEXPECTED))
		__builtin_trap();
	cvm_qgs_message_clear(&m);
	return 0;
}
