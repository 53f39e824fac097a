/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: TDX quote buffer header; then completing it with a quote
 * of in_len bytes must never claim more than the buffer holds. */
#include <cvm/attest-tdx.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *buf = NULL;
	CvmTdxQuoteBufHeader h;
	const guint8 *report = NULL;

	if (!cvm_tdx_quote_buf_decode(data, size, &h, &report, &error)) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	buf = g_memdup2(data, size);
	if (cvm_tdx_quote_buf_complete(buf, size, CVM_TDX_QUOTE_STATUS_SUCCESS, report, h.in_len, NULL) &&
	    (!cvm_tdx_quote_buf_decode(buf, size, &h, NULL, NULL) || h.out_len > size - 24))
		__builtin_trap();
	return 0;
}
