/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Socket endpoints named by URI, shared by the migration channel and the
 * attestation front ends (not exported: cvmi_ prefix). */
#pragma once

#include <gio/gio.h>

/* tcp:HOST:PORT ([v6]:PORT too), unix:PATH, vsock:CID:PORT (CID "any" is
 * VMADDR_CID_ANY, for listening). */
typedef enum { CVMI_URI_TCP, CVMI_URI_UNIX, CVMI_URI_VSOCK } CvmiUriKind;
typedef struct {
	CvmiUriKind kind;
	gchar *host;  /* tcp */
	gchar *path;  /* unix */
	guint32 cid;  /* vsock */
	guint32 port; /* tcp, vsock */
} CvmiUri;
gboolean cvmi_uri_parse(const char *uri, CvmiUri *out, GError **error);
void cvmi_uri_clear(CvmiUri *uri);
/* The address to connect to or bind (tcp host names resolved). */
GSocketAddress *cvmi_uri_address(const CvmiUri *uri, GCancellable *cancel, GError **error);
/* An unconnected stream socket of the URI's family; CVM_ERROR_NOT_SUPPORTED
 * for vsock on a host without it. */
GSocket *cvmi_uri_socket(const CvmiUri *uri, GSocketAddress *addr, GError **error);

/* A local service endpoint: a unix socket's path (bare or unix:PATH) or
 * vsock:CID:PORT; tcp is refused (these services answer guests and their
 * VMMs only). The check, for a daemon's configuration, also wants unix
 * paths absolute; it binds nothing. */
gboolean cvmi_service_uri_check(const char *where, GError **error);
/* Bind @where and listen (@backlog). A unix path must fit a sockaddr_un
 * (it is refused, never truncated); an existing file there is replaced only
 * if it is a socket nobody listens on (a stale one) or one a service of
 * this process holds (a reconfiguration). *unix_path (NULL for
 * vsock) and *file_id say what to unlink when the service stops. */
GSocket *cvmi_service_uri_bind(const char *where, gint backlog, gchar **unix_path, gchar **file_id, GError **error);
/* Release @file_id, and unlink @unix_path if it is still that file (a later
 * service on the same path has replaced it otherwise). */
void cvmi_service_uri_unlink(const char *unix_path, const char *file_id);

/* A guest-facing service: connections are accepted and read on a thread and
 * main context of the service's own, without a worker, until @frame says a
 * whole request is there; only then does one of @workers threads run
 * @handle on it. A request must arrive whole within CVMI_SERVICE_REQUEST_MS
 * of its first byte, a kept connection must start its next one within
 * CVMI_SERVICE_IDLE_MS, and at most CVMI_SERVICE_CONNECTIONS_MAX
 * connections are held: beyond that a new one is closed at once. Requests
 * beyond @workers wait in a queue (at most one per connection). */
#define CVMI_SERVICE_REQUEST_MS 5000
#define CVMI_SERVICE_IDLE_MS 30000
#define CVMI_SERVICE_CONNECTIONS_MAX 128
#define CVMI_SERVICE_POLL_US 100
#define CVMI_SERVICE_WAIT_US 2000
typedef struct _CvmiService CvmiService;
/* How many of @len bytes make the first request: 0 while more are needed,
 * -1 when they never will (the connection is closed). */
typedef gssize (*CvmiFrameFunc)(const guint8 *buf, gsize len);
/* The bytes to answer @req with (NULL: none; @started is the monotonic
 * time of its first byte); *keep says whether the connection may carry
 * another request. */
typedef GBytes *(*CvmiHandleFunc)(gpointer owner, const guint8 *req, gsize len, gint64 started, gboolean *keep);
typedef struct {
	CvmiFrameFunc frame;
	CvmiHandleFunc handle;
	guint workers;
	gint backlog;
} CvmiServiceSpec;
CvmiService *cvmi_service_new(const char *where, const CvmiServiceSpec *spec, gpointer owner, GError **error);
/* No new connections; held ones are closed, queued requests dropped, and
 * the handlers running are waited for (each bounded by its own deadline,
 * their sends fail at once): @owner may be freed after it. Its socket file
 * goes unless another service has replaced it. */
void cvmi_service_free(CvmiService *svc);

/* Send (@out) or receive all of @buf on a non-blocking socket before
 * @deadline (monotonic us). */
gboolean cvmi_socket_io(GSocket *s, guint8 *buf, gsize len, gboolean out, gint64 deadline);

/* The u32 little-endian length prefix of the proxy and certificate
 * endpoint framing, for messages of at most @max bytes. */
gssize cvmi_service_frame_le32(const guint8 *buf, gsize len, gsize max);
