/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A non-blocking socket with send and receive buffers: both roles run one
 * loop that interleaves page polling and socket I/O, so no call may block. */
#include "migrate/migrate-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

void
cvmi_conn_init(CvmiConn *c, GSocket *socket)
{
	memset(c, 0, sizeof *c);
	c->rx = g_byte_array_new();
	c->tx = g_byte_array_new();
	cvmi_conn_reset(c, socket);
}

void
cvmi_conn_reset(CvmiConn *c, GSocket *socket)
{
	if (c->socket != NULL) {
		g_socket_close(c->socket, NULL);
		g_object_unref(c->socket);
	}
	c->socket = socket;
	g_byte_array_set_size(c->rx, 0);
	g_byte_array_set_size(c->tx, 0);
	c->rx_off = 0;
	c->tx_off = 0;
	c->eof = FALSE;
	c->last_rx_us = c->last_tx_us = g_get_monotonic_time();
}

void
cvmi_conn_clear(CvmiConn *c)
{
	if (c->socket != NULL) {
		g_socket_close(c->socket, NULL);
		g_clear_object(&c->socket);
	}
	g_clear_pointer(&c->rx, g_byte_array_unref);
	g_clear_pointer(&c->tx, g_byte_array_unref);
}

gsize
cvmi_conn_pending(const CvmiConn *c)
{
	return c->tx->len - c->tx_off;
}

static gboolean
io_failed(const char *what, GError **error)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", what, g_strerror(errno));
	return FALSE;
}

static gboolean
pump_tx(CvmiConn *c, gboolean *moved, GError **error)
{
	while (cvmi_conn_pending(c) > 0) {
		gssize n = send(g_socket_get_fd(c->socket), c->tx->data + c->tx_off,
				cvmi_conn_pending(c), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return io_failed("send", error);
		}
		c->tx_off += (gsize)n;
		c->last_tx_us = g_get_monotonic_time();
		*moved = TRUE;
	}
	if (c->tx_off == c->tx->len) {
		g_byte_array_set_size(c->tx, 0);
		c->tx_off = 0;
	}
	return TRUE;
}

/* One receive of at most @max bytes; *full when it filled them. */
static gboolean
receive_once(CvmiConn *c, gsize max, gboolean *moved, gboolean *full, GError **error)
{
	guint old = c->rx->len;

	*full = FALSE;
	if (c->eof)
		return TRUE;
	g_byte_array_set_size(c->rx, old + (guint)max);
	gssize n = recv(g_socket_get_fd(c->socket), c->rx->data + old, max, MSG_DONTWAIT);
	int saved = errno;
	g_byte_array_set_size(c->rx, old + (guint)MAX(n, 0));
	if (n < 0) {
		if (saved == EAGAIN || saved == EWOULDBLOCK || saved == EINTR)
			return TRUE;
		errno = saved;
		return io_failed("receive", error);
	}
	if (n == 0)
		c->eof = TRUE;
	else
		c->last_rx_us = g_get_monotonic_time();
	*moved = TRUE;
	*full = (gsize)n == max;
	return TRUE;
}

/* One receive for all the room there is: on this paravirtualised VM a
 * loopback receive costs ~4 us a call plus ~0.45 us a 2 KiB block copied
 * (0.67 us a block in 64 KiB calls, 0.47 in 256 KiB ones). */
static gboolean
pump_rx(CvmiConn *c, gsize rx_limit, gboolean *moved, GError **error)
{
	gboolean full = TRUE;

	while (full && cvmi_conn_rx_len(c) < rx_limit) {
		if (c->rx_off > 0) {
			/* Consumed bytes leave once per receive, not once per frame. */
			g_byte_array_remove_range(c->rx, 0, (guint)c->rx_off);
			c->rx_off = 0;
		}
		if (!receive_once(c, rx_limit - cvmi_conn_rx_len(c), moved, &full, error))
			return FALSE;
	}
	return TRUE;
}

gboolean
cvmi_conn_pump(CvmiConn *c, gsize rx_limit, gboolean *moved, GError **error)
{
	c->last_pump_us = g_get_monotonic_time();
	return pump_tx(c, moved, error) && pump_rx(c, rx_limit, moved, error);
}

void
cvmi_conn_consume(CvmiConn *c, gsize n)
{
	c->rx_off += MIN(n, cvmi_conn_rx_len(c));
}

gboolean
cvmi_conn_wait(CvmiConn *c, gint64 timeout_us, GCancellable *cancel, GError **error)
{
	GIOCondition cond = G_IO_IN | G_IO_ERR | G_IO_HUP;
	if (cvmi_conn_pending(c) > 0)
		cond |= G_IO_OUT;
	g_autoptr(GError) local = NULL;
	if (g_socket_condition_timed_wait(c->socket, cond, MAX(timeout_us, 1), cancel, &local))
		return TRUE;
	if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
		return TRUE; /* the caller checks its own deadlines */
	g_set_error(error, CVM_ERROR,
		    g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? CVM_ERROR_CANCELLED :
									  CVM_ERROR_IO,
		    "wait: %s", local->message);
	return FALSE;
}

gboolean
cvmi_conn_flush(CvmiConn *c, gint64 deadline, GCancellable *cancel, GError **error)
{
	while (cvmi_conn_pending(c) > 0) {
		gboolean moved = FALSE;
		if (!pump_tx(c, &moved, error))
			return FALSE;
		if (cvmi_conn_pending(c) == 0)
			break;
		gint64 left = deadline - g_get_monotonic_time();
		if (left <= 0) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT,
				    "peer stopped reading (%" G_GSIZE_FORMAT " bytes unsent)",
				    cvmi_conn_pending(c));
			return FALSE;
		}
		g_autoptr(GError) local = NULL;
		if (!g_socket_condition_timed_wait(c->socket, G_IO_OUT, left, cancel, &local) &&
		    !g_error_matches(local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "flush: %s", local->message);
			return FALSE;
		}
	}
	return TRUE;
}

void
cvmi_conn_linger(CvmiConn *c, gint64 deadline)
{
	guint8 sink[4096];

	if (c->socket == NULL)
		return;
	/* Closing with unread bytes makes the kernel send a reset, which throws
	 * away what the peer has not read yet (our last frames): say we are
	 * done writing, then read until the peer closes too. */
	g_socket_shutdown(c->socket, FALSE, TRUE, NULL);
	while (g_get_monotonic_time() < deadline) {
		if (!g_socket_condition_timed_wait(c->socket, G_IO_IN | G_IO_HUP, deadline - g_get_monotonic_time(), NULL,
						   NULL))
			return;
		if (g_socket_receive(c->socket, (gchar *)sink, sizeof sink, NULL, NULL) <= 0)
			return;
	}
}
