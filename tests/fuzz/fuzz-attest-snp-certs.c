/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: SNP certificate table decoder, then the encoder on
 * whatever decoded (which must decode again to as many entries). */
#include <cvm/attest-snp.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) certs = NULL;
	g_autoptr(GPtrArray) back = NULL;
	g_autoptr(GBytes) table = NULL;

	certs = cvm_snp_cert_table_decode(data, size, &error);
	if (certs == NULL) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	table = cvm_snp_cert_table_encode(certs, &error);
	if (table == NULL) /* overlapping entries can re-encode larger */
		return 0;
	back = cvm_snp_cert_table_decode(g_bytes_get_data(table, NULL), g_bytes_get_size(table), NULL);
	if (back == NULL || back->len != certs->len)
		__builtin_trap();
	return 0;
}
