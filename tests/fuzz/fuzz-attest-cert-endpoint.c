/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the SNP certificate endpoint's handling of what a VMM
 * sends: framed as the service frames it, each request answered by
 * cvmi_cert_endpoint_handle() from a store holding one table. Every answer
 * is framed {ret, npages, table} with a ret KVM knows. */
#include "attest/cert-private.h"
#include "libcvm/socket-uri-internal.h"

#include <cvm/attest-certs.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static CvmSnpCertStore *store;
static gchar *dir;

static void
cleanup(void)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	cvm_snp_cert_store_free(store);
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);
		g_remove(p);
	}
	g_rmdir(dir);
}

static void
init(void)
{
	guint8 chip[64];
	g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func((GDestroyNotify)cvm_snp_cert_free);
	g_autoptr(GBytes) vcek = g_bytes_new_take(memset(g_malloc(5000), 0xc, 5000), 5000);

	dir = g_dir_make_tmp("cvm-fuzz-XXXXXX", NULL);
	store = dir ? cvm_snp_cert_store_open(dir, NULL) : NULL;
	if (store == NULL)
		abort();
	/* The seed corpus asks for this chip (0xc1 * 64) and TCB 4. */
	memset(chip, 0xc1, sizeof chip);
	g_ptr_array_add(certs, cvm_snp_cert_new(CVM_SNP_CERT_GUID_VCEK, vcek, NULL));
	g_autoptr(GBytes) table = cvm_snp_cert_table_encode(certs, NULL);
	if (table == NULL || !cvm_snp_cert_store_import(store, chip, 4, table, NULL))
		abort();
	atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (store == NULL)
		init();
	for (gsize off = 0; off < size;) {
		gssize n = cvmi_service_frame_le32(data + off, size - off, CVMI_CERT_REQUEST_MAX);
		if (n <= 0)
			break;
		g_autoptr(GBytes) resp = cvmi_cert_endpoint_handle(store, data + off + 4, (gsize)n - 4);
		gsize len;
		const guint8 *r = g_bytes_get_data(resp, &len);
		guint32 framed;
		guint64 ret;
		if (len < 20)
			__builtin_trap();
		memcpy(&framed, r, 4);
		memcpy(&ret, r + 4, 8);
		ret = GUINT64_FROM_LE(ret);
		if (GUINT32_FROM_LE(framed) != len - 4 || (ret != 0 && ret != ENOSPC && ret != EAGAIN && ret != EIO))
			__builtin_trap();
		off += (gsize)n;
	}
	return 0;
}
