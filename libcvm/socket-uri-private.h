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
/* Bind @where, listen, and add it to @listener; a unix socket's stale file
 * is replaced, and *unix_path (NULL for vsock) says what to unlink when the
 * service stops. */
gboolean cvmi_service_uri_listen(GSocketListener *listener, const char *where, gchar **unix_path,
				 GError **error);
/* Serve each connection of a GThreadedSocketService with @serve(@owner, ...)
 * on its worker thread, under a guard that cvmi_service_uri_stop() closes:
 * after it, no handler runs and none starts, so @owner may be freed. */
typedef struct _CvmiServiceGuard CvmiServiceGuard;
typedef void (*CvmiServeFunc)(gpointer owner, GSocketConnection *conn);
CvmiServiceGuard *cvmi_service_serve(GSocketService *service, CvmiServeFunc serve, gpointer owner);

/* Stop and drop a service started on such an endpoint: no new connections,
 * the ones being served are shut down and their handlers waited for (a
 * handler waiting on something else, such as a QGS, is bounded by its own
 * deadline). Its socket file goes unless another service has replaced it. */
void cvmi_service_uri_stop(GSocketService *service, const char *unix_path, CvmiServiceGuard *guard);
