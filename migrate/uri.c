/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Channel endpoints: tcp:HOST:PORT, unix:PATH, vsock:CID:PORT. */
#include "migrate/migrate-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/vm_sockets.h>
#include <gio/gunixsocketaddress.h>

static gboolean
parse_u32(const char *s, guint32 *out, const char *what, const char *uri, GError **error)
{
	guint64 v = 0;
	if (!g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT32, &v, NULL)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: %s \"%s\" is not a number", uri, what, s);
		return FALSE;
	}
	*out = (guint32)v;
	return TRUE;
}

static gboolean
parse_host_port(const char *rest, const char *uri, CvmiUri *out, GError **error)
{
	/* [v6addr]:port or host:port: the port follows the last colon. */
	const char *colon = strrchr(rest, ':');
	if (colon == NULL || colon == rest) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: expected tcp:HOST:PORT", uri);
		return FALSE;
	}
	g_autofree gchar *host = g_strndup(rest, (gsize)(colon - rest));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		gchar *inner = g_strndup(host + 1, strlen(host) - 2);
		g_free(host);
		host = inner;
	}
	if (!parse_u32(colon + 1, &out->port, "port", uri, error))
		return FALSE;
	if (out->port > 65535) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: port %u is out of range", uri, out->port);
		return FALSE;
	}
	out->host = g_steal_pointer(&host);
	return TRUE;
}

gboolean
cvmi_uri_parse(const char *uri, CvmiUri *out, GError **error)
{
	memset(out, 0, sizeof *out);
	if (g_str_has_prefix(uri, "tcp:")) {
		out->kind = CVMI_URI_TCP;
		return parse_host_port(uri + 4, uri, out, error);
	}
	if (g_str_has_prefix(uri, "unix:") && uri[5] != '\0') {
		out->kind = CVMI_URI_UNIX;
		out->path = g_strdup(uri + 5);
		return TRUE;
	}
	if (g_str_has_prefix(uri, "vsock:")) {
		g_auto(GStrv) parts = g_strsplit(uri + 6, ":", -1);
		out->kind = CVMI_URI_VSOCK;
		if (g_strv_length(parts) != 2) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "%s: expected vsock:CID:PORT", uri);
			return FALSE;
		}
		return parse_u32(parts[0], &out->cid, "CID", uri, error) &&
		       parse_u32(parts[1], &out->port, "port", uri, error);
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
		    "%s: unsupported channel URI (use tcp:HOST:PORT, unix:PATH or vsock:CID:PORT)",
		    uri);
	return FALSE;
}

void
cvmi_uri_clear(CvmiUri *uri)
{
	g_clear_pointer(&uri->host, g_free);
	g_clear_pointer(&uri->path, g_free);
}

static GSocketAddress *
vsock_address(guint32 cid, guint32 port)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
	return g_socket_address_new_from_native(&sa, sizeof sa);
}

static GSocket *
vsock_socket(GError **error)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "this host has no vsock support (socket(AF_VSOCK): %s)",
			    g_strerror(errno));
		return NULL;
	}
	GSocket *s = g_socket_new_from_fd(fd, error);
	if (s == NULL)
		close(fd);
	return s;
}

/* The address to connect to or bind; NULL with @error when unresolvable. */
static GSocketAddress *
uri_address(const CvmiUri *uri, GCancellable *cancel, GError **error)
{
	switch (uri->kind) {
	case CVMI_URI_UNIX:
		return g_unix_socket_address_new(uri->path);
	case CVMI_URI_VSOCK:
		return vsock_address(uri->cid, uri->port);
	case CVMI_URI_TCP:
		break;
	}
	g_autoptr(GSocketConnectable) na = g_network_address_new(uri->host, (guint16)uri->port);
	g_autoptr(GSocketAddressEnumerator) en = g_socket_connectable_enumerate(na);
	GSocketAddress *addr = g_socket_address_enumerator_next(en, cancel, error);
	if (addr == NULL && error != NULL && *error == NULL)
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "%s: no address", uri->host);
	if (addr == NULL)
		g_prefix_error(error, "resolve %s: ", uri->host);
	return addr;
}

static GSocket *
socket_for(const CvmiUri *uri, GSocketAddress *addr, GError **error)
{
	if (uri->kind == CVMI_URI_VSOCK)
		return vsock_socket(error);
	return g_socket_new(g_socket_address_get_family(addr), G_SOCKET_TYPE_STREAM,
			    G_SOCKET_PROTOCOL_DEFAULT, error);
}

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
	g_autoptr(GSocketAddress) addr = uri_address(uri, cancel, error);
	if (addr == NULL)
		return NULL;
	g_autoptr(GSocket) s = socket_for(uri, addr, error);
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
	g_autoptr(GSocketAddress) addr = uri_address(uri, NULL, error);
	if (addr == NULL)
		return NULL;
	g_autoptr(GSocket) s = socket_for(uri, addr, error);
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
