/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Socket endpoints named by URI: tcp:HOST:PORT, unix:PATH, vsock:CID:PORT. */
#include "libcvm/socket-uri-private.h"

#include <cvm/error.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <linux/vm_sockets.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static gboolean
parse_vsock(const char *rest, const char *uri, CvmiUri *out, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(rest, ":", -1);
	if (g_strv_length(parts) != 2) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: expected vsock:CID:PORT", uri);
		return FALSE;
	}
	if (strcmp(parts[0], "any") == 0)
		out->cid = VMADDR_CID_ANY;
	else if (!parse_u32(parts[0], &out->cid, "CID", uri, error))
		return FALSE;
	return parse_u32(parts[1], &out->port, "port", uri, error);
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
		out->kind = CVMI_URI_VSOCK;
		return parse_vsock(uri + 6, uri, out, error);
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
		    "%s: unsupported URI (use tcp:HOST:PORT, unix:PATH or vsock:CID:PORT)", uri);
	return FALSE;
}

void
cvmi_uri_clear(CvmiUri *uri)
{
	g_clear_pointer(&uri->host, g_free);
	g_clear_pointer(&uri->path, g_free);
}

GSocketAddress *
cvmi_uri_address(const CvmiUri *uri, GCancellable *cancel, GError **error)
{
	if (uri->kind == CVMI_URI_UNIX)
		return g_unix_socket_address_new(uri->path);
	if (uri->kind == CVMI_URI_VSOCK) {
		/* GIO has no vsock address type; a native one binds and connects. */
		struct sockaddr_vm sa = {.svm_family = AF_VSOCK, .svm_cid = uri->cid, .svm_port = uri->port};
		return g_socket_address_new_from_native(&sa, sizeof sa);
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

GSocket *
cvmi_uri_socket(const CvmiUri *uri, GSocketAddress *addr, GError **error)
{
	if (uri->kind != CVMI_URI_VSOCK)
		return g_socket_new(g_socket_address_get_family(addr), G_SOCKET_TYPE_STREAM,
				    G_SOCKET_PROTOCOL_DEFAULT, error);
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "this host has no vsock support (socket(AF_VSOCK): %s)", g_strerror(errno));
		return NULL;
	}
	GSocket *s = g_socket_new_from_fd(fd, error);
	if (s == NULL)
		close(fd);
	return s;
}

/* Anything without a scheme is the path of a unix socket. */
static gboolean
service_uri_parse(const char *where, CvmiUri *out, GError **error)
{
	if (!g_str_has_prefix(where, "unix:") && !g_str_has_prefix(where, "vsock:") &&
	    !g_str_has_prefix(where, "tcp:")) {
		if (where[0] == '\0') {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "an empty service address");
			return FALSE;
		}
		*out = (CvmiUri){.kind = CVMI_URI_UNIX, .path = g_strdup(where)};
		return TRUE;
	}
	if (!cvmi_uri_parse(where, out, error))
		return FALSE;
	if (out->kind == CVMI_URI_TCP) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: a service listens on a unix socket (PATH or unix:PATH) or vsock:CID:PORT", where);
		cvmi_uri_clear(out);
		return FALSE;
	}
	return TRUE;
}

gboolean
cvmi_service_uri_check(const char *where, GError **error)
{
	CvmiUri uri;
	if (!service_uri_parse(where, &uri, error))
		return FALSE;
	gboolean ok = uri.kind != CVMI_URI_UNIX || g_path_is_absolute(uri.path);
	if (!ok)
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: a unix socket path must be absolute", where);
	cvmi_uri_clear(&uri);
	return ok;
}

gboolean
cvmi_service_uri_listen(GSocketListener *listener, const char *where, gchar **unix_path, GError **error)
{
	CvmiUri uri;
	g_autoptr(GError) local = NULL;

	*unix_path = NULL;
	if (!service_uri_parse(where, &uri, error))
		return FALSE;
	g_autoptr(GSocketAddress) addr = cvmi_uri_address(&uri, NULL, error);
	g_autoptr(GSocket) s = addr ? cvmi_uri_socket(&uri, addr, error) : NULL;
	if (s == NULL) {
		cvmi_uri_clear(&uri);
		return FALSE;
	}
	if (uri.kind == CVMI_URI_UNIX)
		g_unlink(uri.path);
	gint backlog = 10;
	g_object_get(listener, "listen-backlog", &backlog, NULL);
	g_socket_set_listen_backlog(s, backlog);
	if (!g_socket_bind(s, addr, TRUE, &local) || !g_socket_listen(s, &local) ||
	    !g_socket_listener_add_socket(listener, s, NULL, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", where, local->message);
		cvmi_uri_clear(&uri);
		return FALSE;
	}
	/* Which file is ours: a later service on the same path replaces it,
	 * and this one's stop must then leave it alone. */
	GStatBuf st;
	if (uri.kind == CVMI_URI_UNIX && g_stat(uri.path, &st) == 0)
		g_object_set_data_full(G_OBJECT(listener), "cvm-unix-file",
				       g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino), g_free);
	*unix_path = g_steal_pointer(&uri.path);
	cvmi_uri_clear(&uri);
	return TRUE;
}

struct _CvmiServiceGuard {
	gint refs; /* the service's handler, the owner's stop */
	GMutex lock;
	GCond idle;
	gpointer owner;     /* NULL once stopping */
	CvmiServeFunc serve;
	GHashTable *active; /* GSocketConnection * being served */
};

static void
guard_unref(gpointer data, GClosure *closure)
{
	CvmiServiceGuard *g = data;

	(void)closure;
	if (!g_atomic_int_dec_and_test(&g->refs))
		return;
	g_hash_table_unref(g->active);
	g_cond_clear(&g->idle);
	g_mutex_clear(&g->lock);
	g_free(g);
}

static gpointer
guard_enter(CvmiServiceGuard *g, GSocketConnection *conn)
{
	g_mutex_lock(&g->lock);
	gpointer owner = g->owner;
	if (owner != NULL)
		g_hash_table_add(g->active, conn);
	g_mutex_unlock(&g->lock);
	return owner;
}

static void
guard_leave(CvmiServiceGuard *g, GSocketConnection *conn)
{
	g_mutex_lock(&g->lock);
	g_hash_table_remove(g->active, conn);
	if (g_hash_table_size(g->active) == 0)
		g_cond_broadcast(&g->idle);
	g_mutex_unlock(&g->lock);
}

static gboolean
on_run(GThreadedSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
	CvmiServiceGuard *g = data;
	gpointer owner = guard_enter(g, conn);

	(void)service;
	(void)source;
	if (owner != NULL) {
		g->serve(owner, conn);
		guard_leave(g, conn);
	}
	return TRUE;
}

CvmiServiceGuard *
cvmi_service_serve(GSocketService *service, CvmiServeFunc serve, gpointer owner)
{
	CvmiServiceGuard *g = g_new0(CvmiServiceGuard, 1);

	g->refs = 2;
	g_mutex_init(&g->lock);
	g_cond_init(&g->idle);
	g->owner = owner;
	g->serve = serve;
	g->active = g_hash_table_new(NULL, NULL);
	/* The service keeps its handler's data until it is finalized, which a
	 * GThreadedSocketService defers until its last handler has returned. */
	g_signal_connect_data(service, "run", G_CALLBACK(on_run), g, guard_unref, 0);
	return g;
}

void
cvmi_service_uri_stop(GSocketService *service, const char *unix_path, CvmiServiceGuard *guard)
{
	const char *ours = g_object_get_data(G_OBJECT(service), "cvm-unix-file");
	GStatBuf st;
	g_autofree gchar *now = unix_path && g_stat(unix_path, &st) == 0 ?
		g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino) : NULL;

	if (now != NULL && g_strcmp0(now, ours) == 0)
		g_unlink(unix_path);
	g_socket_service_stop(service);
	g_socket_listener_close(G_SOCKET_LISTENER(service));
	if (guard != NULL) {
		GHashTableIter it;
		gpointer conn;
		g_mutex_lock(&guard->lock);
		guard->owner = NULL;
		g_hash_table_iter_init(&it, guard->active);
		while (g_hash_table_iter_next(&it, &conn, NULL))
			g_socket_shutdown(g_socket_connection_get_socket(conn), TRUE, TRUE, NULL);
		while (g_hash_table_size(guard->active) > 0)
			g_cond_wait(&guard->idle, &guard->lock);
		g_mutex_unlock(&guard->lock);
		guard_unref(guard, NULL);
	}
	g_object_unref(service);
}
