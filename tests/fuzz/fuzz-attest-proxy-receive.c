/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the IGVM-attest proxy's receive path, on what a VMM
 * sends its front end: the bytes are split into framed requests as the
 * service does (cvmi_attest_frame_length) and each is handled for a guest
 * whose agent is gone. Every whole request gets an empty (v1) answer or a
 * decodable v2 one; a length above the maximum ends the connection. */
#include "attest/proxy-private.h"

#include <cvm/attest-proxy.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static CvmAttestProxy *proxy;
static gchar *dir;

static void
cleanup(void)
{
	g_autofree gchar *sock = g_build_filename(dir, "front.sock", NULL);
	cvm_attest_proxy_free(proxy);
	g_unlink(sock);
	g_rmdir(dir);
}

static void
init(void)
{
	CvmAttestBackend b;

	dir = g_dir_make_tmp("cvm-fuzz-XXXXXX", NULL);
	g_autofree gchar *sock = g_build_filename(dir, "front.sock", NULL);
	g_autofree gchar *agent = g_build_filename(dir, "no-agent.sock", NULL);
	cvm_attest_backend_init(&b);
	b.agent_socket = agent;
	b.attempts = 1;
	b.timeout_ms = 100;
	proxy = cvm_attest_proxy_new(NULL, NULL);
	if (dir == NULL || !cvm_attest_proxy_add_guest(proxy, "g", sock, &b, NULL))
		abort();
	atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (proxy == NULL)
		init();
	for (gsize off = 0; off < size;) {
		gssize n = cvmi_attest_frame_length(data + off, size - off);
		if (n < 0) {
			guint32 le;
			memcpy(&le, data + off, 4);
			if (GUINT32_FROM_LE(le) <= CVM_IGVM_ATTEST_REQUEST_MAX)
				__builtin_trap();
			break;
		}
		if (n == 0)
			break; /* incomplete: the service waits for more, then its deadline */
		if ((gsize)n < 4 || (gsize)n > size - off)
			__builtin_trap();
		g_autoptr(GBytes) req = g_bytes_new(data + off + 4, (gsize)n - 4);
		g_autoptr(GBytes) resp = cvm_attest_proxy_handle(proxy, "g", req);
		CvmIgvmAttestResponse r;
		if (resp == NULL)
			__builtin_trap();
		if (g_bytes_get_size(resp) > 0) {
			if (!cvm_igvm_attest_response_decode(g_bytes_get_data(resp, NULL), g_bytes_get_size(resp), &r, NULL) ||
			    r.error_code == 0)
				__builtin_trap();
			cvm_igvm_attest_response_clear(&r);
		}
		off += (gsize)n;
	}
	return 0;
}
