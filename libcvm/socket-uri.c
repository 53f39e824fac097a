/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Socket endpoints named by URI: tcp:HOST:PORT, unix:PATH, vsock:CID:PORT. */
#include "libcvm/socket-uri-internal.h"

#include <cvm/error.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <linux/vm_sockets.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

/* The socket files this process's services hold (by file_id()): one of
 * them may be replaced by a reconfiguration, a live socket of anyone
 * else's never. */
static GMutex held_lock;
static GHashTable *held;

static gchar *
file_id(const char *path)
{
	GStatBuf st;
	return g_lstat(path, &st) == 0 ? g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino) : NULL;
}

static gboolean
held_by_us(const char *path)
{
	g_autofree gchar *id = file_id(path);
	g_mutex_lock(&held_lock);
	gboolean ours = id != NULL && held != NULL && g_hash_table_contains(held, id);
	g_mutex_unlock(&held_lock);
	return ours;
}

/* What may be bound at @path: nothing, a socket nobody listens on, or one
 * of ours (removed here). A live socket or any other file is an error. */
static gboolean
clear_unix_path(const char *where, const char *path, GError **error)
{
	struct sockaddr_un sa;
	GStatBuf st;

	if (strlen(path) >= sizeof sa.sun_path) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: a unix socket path has at most %zu bytes, this one has %zu", where,
			    sizeof sa.sun_path - 1, strlen(path));
		return FALSE;
	}
	if (g_lstat(path, &st) < 0)
		return TRUE;
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_EXISTS, "%s: exists and is not a socket", where);
		return FALSE;
	}
	if (held_by_us(path)) {
		g_unlink(path);
		return TRUE;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", where, g_strerror(errno));
		return FALSE;
	}
	sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa), e = errno;
	close(fd);
	/* EAGAIN: a full backlog, which only a live listener has. */
	if (rc == 0 || e == EAGAIN) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_EXISTS, "%s: another service is listening there", where);
		return FALSE;
	}
	g_unlink(path);
	return TRUE;
}

GSocket *
cvmi_service_uri_bind(const char *where, gint backlog, gchar **unix_path, gchar **id, GError **error)
{
	CvmiUri uri;
	g_autoptr(GError) local = NULL;

	*unix_path = NULL;
	*id = NULL;
	if (!service_uri_parse(where, &uri, error))
		return NULL;
	if (uri.kind == CVMI_URI_UNIX && !clear_unix_path(where, uri.path, error)) {
		cvmi_uri_clear(&uri);
		return NULL;
	}
	g_autoptr(GSocketAddress) addr = cvmi_uri_address(&uri, NULL, error);
	g_autoptr(GSocket) s = addr ? cvmi_uri_socket(&uri, addr, error) : NULL;
	if (s == NULL) {
		cvmi_uri_clear(&uri);
		return NULL;
	}
	g_socket_set_listen_backlog(s, backlog);
	if (!g_socket_bind(s, addr, TRUE, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", where, local->message);
		cvmi_uri_clear(&uri);
		return NULL;
	}
	/* The socket file's mode came from the umask (0777 under umask 0: any
	 * local user could send requests as a guest). 0660 before listen(), so
	 * nobody connects in between: owner and group (docs/attest.md). */
	if (uri.kind == CVMI_URI_UNIX && g_chmod(uri.path, 0660) < 0) {
		int e = errno;

		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: cannot set its mode: %s", where, g_strerror(e));
		g_unlink(uri.path);
		cvmi_uri_clear(&uri);
		return NULL;
	}
	if (!g_socket_listen(s, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", where, local->message);
		cvmi_uri_clear(&uri);
		return NULL;
	}
	/* Which file is ours: a later service on the same path replaces it,
	 * and this one's stop must then leave it alone. */
	if (uri.kind == CVMI_URI_UNIX && (*id = file_id(uri.path)) != NULL) {
		g_mutex_lock(&held_lock);
		if (held == NULL)
			held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		g_hash_table_add(held, g_strdup(*id));
		g_mutex_unlock(&held_lock);
	}
	*unix_path = g_steal_pointer(&uri.path);
	cvmi_uri_clear(&uri);
	return g_steal_pointer(&s);
}

void
cvmi_service_uri_unlink(const char *unix_path, const char *id)
{
	g_autofree gchar *now = unix_path ? file_id(unix_path) : NULL;

	g_mutex_lock(&held_lock);
	if (id != NULL && held != NULL)
		g_hash_table_remove(held, id);
	g_mutex_unlock(&held_lock);
	if (now != NULL && g_strcmp0(now, id) == 0)
		g_unlink(unix_path);
}
