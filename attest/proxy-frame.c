/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The proxy's framing: a little-endian u32 length, then the bytes. */
#include "attest/proxy-private.h"

#include <cvm/error.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <string.h>
#include <sys/time.h>

gboolean
cvmi_attest_socket_prepare(GSocket *s, guint timeout_ms, GError **error)
{
	int fd = g_socket_get_fd(s), flags = fcntl(fd, F_GETFL);
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};

	/* GLib's blocking mode polls before it retries a call that would block;
	 * a blocking descriptor with kernel timeouts waits inside the one call,
	 * which halves the system calls per message. */
	g_socket_set_blocking(s, TRUE);
	g_socket_set_timeout(s, cvmi_attest_timeout_s(timeout_ms));
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "socket options: %s", g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

/* After EAGAIN: a socket left non-blocking (not prepared) is waited for as
 * GLib would; on a prepared one EAGAIN means its kernel timeout passed. */
static gboolean
wait_again(GSocket *s, gboolean out)
{
	int flags = fcntl(g_socket_get_fd(s), F_GETFL);
	guint t = g_socket_get_timeout(s);

	if (flags < 0 || !(flags & O_NONBLOCK))
		return FALSE;
	return g_socket_condition_timed_wait(s, out ? G_IO_OUT : G_IO_IN, t ? (gint64)t * G_USEC_PER_SEC : -1, NULL,
					     NULL);
}

/* Whether a failed call is worth repeating; errno is kept for the caller. */
static gboolean
retry(GSocket *s, gboolean out)
{
	int e = errno;
	gboolean again = e == EINTR || ((e == EAGAIN || e == EWOULDBLOCK) && wait_again(s, out));
	errno = e;
	return again;
}

static gboolean
io_all(GSocket *s, guint8 *buf, gsize len, gboolean out, GError **error)
{
	int fd = g_socket_get_fd(s);
	gsize done = 0;

	while (done < len) {
		gssize n = out ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
			       : recv(fd, buf + done, len - done, MSG_WAITALL);
		if (n < 0 && retry(s, out))
			continue;
		if (n <= 0) {
			gboolean late = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
			g_set_error(error, CVM_ERROR, late ? CVM_ERROR_TIMEOUT : CVM_ERROR_IO, "%s: %s",
				    out ? "send" : "receive",
				    n == 0 ? "the peer closed the connection" : late ? "timed out" : g_strerror(errno));
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
cvmi_attest_frame(GBytes *msg)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(msg, &len);
	guint32 le = GUINT32_TO_LE((guint32)len);
	GByteArray *framed = g_byte_array_sized_new((guint)len + 4);

	g_byte_array_append(framed, (const guint8 *)&le, 4);
	if (len > 0)
		g_byte_array_append(framed, data, (guint)len);
	return g_byte_array_free_to_bytes(framed);
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

/* A peer that answers at once (a local agent, a VMM sending its next request)
 * is heard sooner by polling a little than by sleeping: a wakeup costs tens
 * of microseconds on a virtualised host, about what the agent takes. */
static gssize
recv_polling(int fd, guint8 *buf, gsize len, CvmiPollGate *gate, gboolean in_request)
{
	gssize n = -1;

	if (gate != NULL && g_atomic_int_get(&gate->active) <= (in_request ? 1 : 0) &&
	    g_atomic_int_compare_and_exchange(&gate->polling, 0, 1)) {
		gint64 until = g_get_monotonic_time() + CVMI_ATTEST_POLL_US;
		do
			n = recv(fd, buf, len, MSG_DONTWAIT);
		while (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && g_get_monotonic_time() < until);
		g_atomic_int_set(&gate->polling, 0);
		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return n;
	}
	return recv(fd, buf, len, 0);
}

GBytes *
cvmi_attest_recv_buffered(GSocket *s, gsize max, GByteArray *carry, CvmiPollGate *gate, gboolean in_request,
			  GError **error)
{
	int fd = g_socket_get_fd(s);
	guint8 chunk[16384];

	/* One receive usually brings the whole message (the peer sends it in
	 * one call); what comes after it stays in @carry for the next one. */
	while (carry->len < 4) {
		gssize n = recv_polling(fd, chunk, sizeof chunk, gate, in_request);
		if (n < 0 && retry(s, FALSE))
			continue;
		if (n <= 0) {
			gboolean late = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
			g_set_error(error, CVM_ERROR, late ? CVM_ERROR_TIMEOUT : CVM_ERROR_IO, "receive: %s",
				    n == 0 ? "the peer closed the connection" : late ? "timed out" : g_strerror(errno));
			return NULL;
		}
		g_byte_array_append(carry, chunk, (guint)n);
	}
	guint32 le;
	memcpy(&le, carry->data, 4);
	gsize len = GUINT32_FROM_LE(le);
	if (len > max) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL, "message of %zu bytes, at most %zu", len, max);
		return NULL;
	}
	gsize have = carry->len, need = 4 + len;
	if (have < need) {
		g_byte_array_set_size(carry, (guint)need);
		if (!io_all(s, carry->data + have, need - have, FALSE, error)) {
			g_byte_array_set_size(carry, (guint)have);
			return NULL;
		}
	}
	GBytes *msg = g_bytes_new(carry->data + 4, len);
	g_byte_array_remove_range(carry, 0, (guint)need);
	return msg;
}
