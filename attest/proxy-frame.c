/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The proxy's framing: a little-endian u32 length, then the bytes. */
#include "attest/proxy-private.h"

#include <cvm/error.h>

static gboolean
io_all(GSocket *s, guint8 *buf, gsize len, gboolean out, GError **error)
{
	gsize done = 0;

	while (done < len) {
		g_autoptr(GError) local = NULL;
		gssize n = out ? g_socket_send(s, (const gchar *)buf + done, len - done, NULL, &local)
			       : g_socket_receive(s, (gchar *)buf + done, len - done, NULL, &local);
		if (n <= 0) {
			gint code = g_error_matches(local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? CVM_ERROR_TIMEOUT
												: CVM_ERROR_IO;
			g_set_error(error, CVM_ERROR, code, "%s: %s", out ? "send" : "receive",
				    local ? local->message : "the peer closed the connection");
			return FALSE;
		}
		done += (gsize)n;
	}
	return TRUE;
}

gboolean
cvmi_attest_send(GSocket *s, GBytes *msg, GError **error)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(msg, &len);
	guint32 le = GUINT32_TO_LE((guint32)len);
	GOutputVector v[2] = {{&le, 4}, {data, len}};
	g_autoptr(GError) local = NULL;

	/* Length and body in one system call: most messages then take one. */
	gssize n = g_socket_send_message(s, NULL, v, len ? 2 : 1, NULL, 0, 0, NULL, &local);
	if (n < 0) {
		g_set_error(error, CVM_ERROR, g_error_matches(local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? CVM_ERROR_TIMEOUT
												       : CVM_ERROR_IO,
			    "send: %s", local->message);
		return FALSE;
	}
	if ((gsize)n >= 4)
		return io_all(s, (guint8 *)data + (n - 4), len - (gsize)(n - 4), TRUE, error);
	return io_all(s, (guint8 *)&le + n, 4 - (gsize)n, TRUE, error) && io_all(s, (guint8 *)data, len, TRUE, error);
}

GBytes *
cvmi_attest_recv(GSocket *s, gsize max, GError **error)
{
	guint32 le;
	gsize len;

	if (!io_all(s, (guint8 *)&le, 4, FALSE, error))
		return NULL;
	len = GUINT32_FROM_LE(le);
	if (len > max) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL, "message of %zu bytes, at most %zu", len, max);
		return NULL;
	}
	guint8 *buf = g_malloc(len ? len : 1);
	if (!io_all(s, buf, len, FALSE, error)) {
		g_free(buf);
		return NULL;
	}
	return g_bytes_new_take(buf, len);
}
