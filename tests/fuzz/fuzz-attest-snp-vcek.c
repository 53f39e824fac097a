/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: VCEK/X.509 loading and the checks on its AMD extensions
 * (attest/snp-vcek.c): the input is loaded as a certificate (DER, else PEM);
 * a loaded one goes through the TCB and chip-ID checks for each product
 * layout, and the chain check with the input also given as --chain. */
#include "attest/snp-verify-private.h"
#include <stdint.h>
#include <string.h>
#include "tests/lib/testlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const products[] = { "milan", "genoa", "turin", "unknown" };
	static gchar *roots;
	g_autoptr(GBytes) bytes = g_bytes_new(data, size);
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyOptions o = { 0 };
	g_autofree gchar *product = NULL;
	CvmSnpReport r;
	X509 *cert;

	if (roots == NULL)
		roots = cvmt_src_path("data/amd");
	cert = cvmi_snp_cert_load(bytes, &error);
	if ((cert == NULL) != (error != NULL))
		__builtin_trap();
	if (cert == NULL)
		return 0;
	/* The report's TCB and chip ID from the input's last bytes, so both
	 * the matching and the differing paths are reached. */
	memset(&r, 0, sizeof r);
	memcpy(&r.reported_tcb, data + size - MIN(size, sizeof r.reported_tcb),
	       MIN(size, sizeof r.reported_tcb));
	memcpy(r.chip_id, data, MIN(size, sizeof r.chip_id));
	for (guint i = 0; i < G_N_ELEMENTS(products); i++) {
		g_autoptr(GError) e = NULL;

		if (!cvmi_snp_check_tcb(cert, &r, products[i], &e) && e == NULL)
			__builtin_trap();
	}
	g_clear_error(&error);
	if (!cvmi_snp_check_chip_id(cert, &r, &error) && error == NULL)
		__builtin_trap();
	g_clear_error(&error);
	o.roots_dir = roots;
	o.chain_pem = bytes;
	if (!cvmi_snp_verify_chain(cert, (size & 1) != 0, &o, &product, NULL, &error) && error == NULL)
		__builtin_trap();
	X509_free(cert);
	return 0;
}
