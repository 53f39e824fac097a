/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: SNP report verification (attest/snp-verify.c) against
 * the AMD roots in data/amd. Input: a report (CVM_SNP_REPORT_SIZE bytes, or
 * all of a shorter input) followed by the VCEK, DER or PEM. A verified
 * report must say so consistently; a refused one names its step. */
#include <cvm/attest-snp.h>
#include <stdint.h>
#include "tests/lib/testlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gchar *roots;
	gsize rlen = MIN(size, (gsize)CVM_SNP_REPORT_SIZE);
	g_autoptr(GBytes) vcek = g_bytes_new(data + rlen, size - rlen);
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyOptions o = { 0 };
	CvmSnpVerifyStep step = CVM_SNP_VERIFY_OK;
	gboolean ok;

	if (roots == NULL)
		roots = cvmt_src_path("data/amd");
	o.roots_dir = roots;
	ok = cvm_snp_verify_report(data, rlen, vcek, &o, &step, &error);
	if (ok != (step == CVM_SNP_VERIFY_OK) || ok != (error == NULL))
		__builtin_trap();
	if (!ok && g_strcmp0(cvm_snp_verify_step_to_string(step), "unknown") == 0)
		__builtin_trap();
	return 0;
}
