/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The channel's connect, listen and accept (the URIs: libcvm/socket-uri.c). */
#include "migrate/migrate-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/vm_sockets.h>
#include <gio/gunixsocketaddress.h>

static void
tune(GSocket *s, const CvmiUri *uri)
{
	g_socket_set_blocking(s, FALSE);
	if (uri->kind == CVMI_URI_TCP)
		g_socket_set_option(s, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

GSocket *
cvmi_uri_connect(const CvmiUri *uri, gint64 deadline, GCancellable *cancel, GError **error)
{
	g_autoptr(GSocketAddress) addr = cvmi_uri_address(uri, cancel, error);
	if (addr == NULL)
		return NULL;
	g_autoptr(GSocket) s = cvmi_uri_socket(uri, addr, error);
	if (s == NULL)
		return NULL;
	tune(s, uri);
	g_autoptr(GError) local = NULL;
	if (g_socket_connect(s, addr, cancel, &local))
		return g_steal_pointer(&s);
	if (!g_error_matches(local, G_IO_ERROR, G_IO_ERROR_PENDING)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "connect: %s", local->message);
		return NULL;
	}
	g_clear_error(&local);
	gint64 left = deadline - g_get_monotonic_time();
	if (left <= 0 || !g_socket_condition_timed_wait(s, G_IO_OUT, left, cancel, &local)) {
		g_set_error(error, CVM_ERROR,
			    g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ?
				    CVM_ERROR_CANCELLED : CVM_ERROR_TIMEOUT,
			    "connect: %s", local ? local->message : "timed out");
		return NULL;
	}
	if (!g_socket_check_connect_result(s, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "connect: %s", local->message);
		return NULL;
	}
	return g_steal_pointer(&s);
}

static gchar *
bound_uri_of(const CvmiUri *uri, GSocket *s)
{
	if (uri->kind == CVMI_URI_UNIX)
		return g_strdup_printf("unix:%s", uri->path);
	if (uri->kind == CVMI_URI_VSOCK) {
		struct sockaddr_vm sa = { 0 };
		socklen_t len = sizeof sa;
		if (getsockname(g_socket_get_fd(s), (struct sockaddr *)&sa, &len) < 0)
			sa.svm_port = uri->port;
		return g_strdup_printf("vsock:%u:%u", uri->cid, sa.svm_port);
	}
	g_autoptr(GSocketAddress) local = g_socket_get_local_address(s, NULL);
	guint16 port = local ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local)) : 0;
	if (strchr(uri->host, ':') != NULL)
		return g_strdup_printf("tcp:[%s]:%u", uri->host, port);
	return g_strdup_printf("tcp:%s:%u", uri->host, port);
}

GSocket *
cvmi_uri_listen(const CvmiUri *uri, gchar **bound_uri, GError **error)
{
	g_autoptr(GSocketAddress) addr = cvmi_uri_address(uri, NULL, error);
	if (addr == NULL)
		return NULL;
	g_autoptr(GSocket) s = cvmi_uri_socket(uri, addr, error);
	if (s == NULL)
		return NULL;
	g_autoptr(GError) local = NULL;
	if (!g_socket_bind(s, addr, TRUE, &local) || !g_socket_listen(s, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "listen: %s", local->message);
		return NULL;
	}
	g_socket_set_blocking(s, FALSE);
	*bound_uri = bound_uri_of(uri, s);
	return g_steal_pointer(&s);
}

GSocket *
cvmi_uri_accept(GSocket *listener, gint64 deadline, GCancellable *cancel, GError **error)
{
	for (;;) {
		g_autoptr(GError) local = NULL;
		gint64 left = deadline - g_get_monotonic_time();
		if (left <= 0) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT,
				    "no peer connected in time");
			return NULL;
		}
		if (!g_socket_condition_timed_wait(listener, G_IO_IN, left, cancel, &local)) {
			gboolean cancelled = g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
			g_set_error(error, CVM_ERROR,
				    cancelled ? CVM_ERROR_CANCELLED : CVM_ERROR_TIMEOUT,
				    "accept: %s", cancelled ? "cancelled" : "no peer connected in time");
			return NULL;
		}
		GSocket *s = g_socket_accept(listener, cancel, &local);
		if (s != NULL) {
			g_socket_set_blocking(s, FALSE);
			if (g_socket_get_family(s) != G_SOCKET_FAMILY_UNIX)
				g_socket_set_option(s, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
			return s;
		}
		if (!g_error_matches(local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "accept: %s", local->message);
			return NULL;
		}
	}
}
