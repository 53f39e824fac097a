/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guest-facing services (socket-uri-internal.h): connections are read on a
 * main context and thread of the service's own and only whole requests go
 * to a bounded GThreadPool. GLib 2.74's GThreadedSocketService crashed
 * when its pool was full, and gave each connection a worker for as long as
 * its client cared to stall (issue 22). */
#include "libcvm/socket-uri-internal.h"

#include <cvm/error.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

typedef struct {
	CvmiService *svc;
	GSocket *sock;
	GByteArray *buf;
	GSource *io;      /* while reading */
	GSource *timer;   /* idle or request deadline, while reading */
	gint64 started;   /* first byte of the pending request, 0 if none */
	gboolean working; /* queued or handled: a worker owns it */
} Conn;

struct _CvmiService {
	CvmiServiceSpec spec;
	gpointer owner;
	gchar *path;
	gchar *file_id;
	GSocket *listener;
	GMainContext *ctx;
	GThread *thread;
	gint quit;
	GSource *accept_src;
	GThreadPool *pool;
	GMutex lock; /* conns, stopping, and a connection's working flag and sources */
	GHashTable *conns;
	gint stopping;
	gint active; /* requests being handled */
};

gssize
cvmi_service_frame_le32(const guint8 *buf, gsize len, gsize max)
{
	guint32 le;

	if (len < 4)
		return 0;
	memcpy(&le, buf, 4);
	if (GUINT32_FROM_LE(le) > max)
		return -1;
	return len - 4 >= GUINT32_FROM_LE(le) ? (gssize)(4 + GUINT32_FROM_LE(le)) : 0;
}

static void
conn_unarm(Conn *c)
{
	if (c->io != NULL) {
		g_source_destroy(c->io);
		g_clear_pointer(&c->io, g_source_unref);
	}
	if (c->timer != NULL) {
		g_source_destroy(c->timer);
		g_clear_pointer(&c->timer, g_source_unref);
	}
}

/* @c is out of the table already. */
static void
conn_free(Conn *c)
{
	conn_unarm(c);
	g_socket_close(c->sock, NULL);
	g_object_unref(c->sock);
	g_byte_array_unref(c->buf);
	g_free(c);
}

static void
conn_drop(Conn *c)
{
	CvmiService *svc = c->svc;

	g_mutex_lock(&svc->lock);
	g_hash_table_remove(svc->conns, c);
	g_mutex_unlock(&svc->lock);
	conn_free(c);
}

static gboolean on_readable(GSocket *s, GIOCondition cond, gpointer data);

static gboolean
on_timeout(gpointer data)
{
	conn_drop(data);
	return G_SOURCE_REMOVE;
}

/* Under the lock, @c not working: wait for its next bytes, within the
 * request's deadline once it has begun, else the idle limit. */
static void
conn_arm(Conn *c)
{
	gint64 left = (gint64)CVMI_SERVICE_IDLE_MS;

	if (c->started != 0)
		left = MAX((gint64)CVMI_SERVICE_REQUEST_MS - (g_get_monotonic_time() - c->started) / 1000, 0);
	conn_unarm(c);
	c->io = g_socket_create_source(c->sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(c->io, (GSourceFunc)(void (*)(void))on_readable, c, NULL);
	g_source_attach(c->io, c->svc->ctx);
	c->timer = g_timeout_source_new((guint)left);
	g_source_set_callback(c->timer, on_timeout, c, NULL);
	g_source_attach(c->timer, c->svc->ctx);
}

/* Under the lock: a whole request is in @c's buffer. */
static void
conn_dispatch(Conn *c)
{
	conn_unarm(c);
	c->working = TRUE;
	g_thread_pool_push(c->svc->pool, c, NULL);
}

static gboolean
on_readable(GSocket *s, GIOCondition cond, gpointer data)
{
	Conn *c = data;
	CvmiService *svc = c->svc;
	g_autoptr(GError) error = NULL;
	guint8 chunk[16384];

	(void)cond;
	gssize n = g_socket_receive(s, (gchar *)chunk, sizeof chunk, NULL, &error);
	if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		conn_drop(c);
		return G_SOURCE_REMOVE;
	}
	g_byte_array_append(c->buf, chunk, (guint)n);
	gssize whole = svc->spec.frame(c->buf->data, c->buf->len);
	if (whole < 0) {
		conn_drop(c);
		return G_SOURCE_REMOVE;
	}
	/* The first byte starts the request's own deadline: later ones do not
	 * extend it. */
	gboolean first = c->started == 0;
	if (first)
		c->started = g_get_monotonic_time();
	g_mutex_lock(&svc->lock);
	if (whole > 0)
		conn_dispatch(c);
	else if (first)
		conn_arm(c);
	g_mutex_unlock(&svc->lock);
	return whole > 0 ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static gboolean
on_accept(GSocket *listener, GIOCondition cond, gpointer data)
{
	CvmiService *svc = data;

	(void)cond;
	for (guint i = 0; i < 64; i++) {
		g_autoptr(GError) error = NULL;
		GSocket *s = g_socket_accept(listener, NULL, &error);
		if (s == NULL) {
			if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
				g_debug("service %s: accept: %s", svc->path ? svc->path : "", error->message);
			break;
		}
		g_socket_set_blocking(s, FALSE);
		g_mutex_lock(&svc->lock);
		gboolean full = g_hash_table_size(svc->conns) >= CVMI_SERVICE_CONNECTIONS_MAX;
		if (!full) {
			Conn *c = g_new0(Conn, 1);
			c->svc = svc;
			c->sock = s;
			c->buf = g_byte_array_new();
			g_hash_table_add(svc->conns, c);
			conn_arm(c);
		}
		g_mutex_unlock(&svc->lock);
		if (full) {
			/* Refused: closed before a byte is read. */
			g_socket_close(s, NULL);
			g_object_unref(s);
		}
	}
	return G_SOURCE_CONTINUE;
}

gboolean
cvmi_socket_io(GSocket *s, guint8 *buf, gsize len, gboolean out, gint64 deadline)
{
	for (gsize done = 0; done < len;) {
		gint64 left = deadline - g_get_monotonic_time();
		if (left <= 0 || !g_socket_condition_timed_wait(s, out ? G_IO_OUT : G_IO_IN, left, NULL, NULL))
			return FALSE;
		gssize n = out ? g_socket_send(s, (gchar *)buf + done, len - done, NULL, NULL)
			       : g_socket_receive(s, (gchar *)buf + done, len - done, NULL, NULL);
		if (n <= 0)
			return FALSE;
		done += (gsize)n;
	}
	return TRUE;
}

/* After an answer on a kept connection: the next request if it is whole
 * already, or arrives within CVMI_SERVICE_POLL_US (polled) and then
 * CVMI_SERVICE_WAIT_US (waited for), so a client sending requests one
 * after another is not handed back to the loop (two more thread wake-ups)
 * between them. Only while no other request is handled: under load the
 * worker is wanted elsewhere. TRUE when one is whole; FALSE with *closed
 * when the peer is gone. */
static gboolean
read_ahead(Conn *c, gboolean *closed)
{
	CvmiService *svc = c->svc;
	int fd = g_socket_get_fd(c->sock);
	gint64 now = g_get_monotonic_time(), spin = now + CVMI_SERVICE_POLL_US, until = spin + CVMI_SERVICE_WAIT_US;
	guint8 chunk[16384];

	*closed = FALSE;
	for (;;) {
		gssize whole = svc->spec.frame(c->buf->data, c->buf->len);
		if (whole != 0) {
			*closed = whole < 0;
			return whole > 0;
		}
		now = g_get_monotonic_time();
		if (g_atomic_int_get(&svc->active) > 1 || now >= until)
			return FALSE;
		if (now >= spin) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, (int)((until - now + 999) / 1000)) <= 0)
				return FALSE;
		}
		gssize n = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			*closed = TRUE;
			return FALSE;
		}
		if (n > 0) {
			if (c->started == 0)
				c->started = g_get_monotonic_time();
			g_byte_array_append(c->buf, chunk, (guint)n);
		}
	}
}

static void
work(gpointer data, gpointer user)
{
	Conn *c = data;
	CvmiService *svc = user;
	gboolean keep = FALSE, closed = FALSE;

	g_atomic_int_inc(&svc->active);
	/* A bounded run of requests, so one client cannot keep the worker. */
	for (guint i = 0; i < 32; i++) {
		gsize whole = (gsize)svc->spec.frame(c->buf->data, c->buf->len);
		g_autoptr(GBytes) resp = svc->spec.handle(svc->owner, c->buf->data, whole, c->started, &keep);
		g_byte_array_remove_range(c->buf, 0, (guint)whole);
		c->started = c->buf->len > 0 ? g_get_monotonic_time() : 0;
		if (resp != NULL &&
		    !cvmi_socket_io(c->sock, (guint8 *)g_bytes_get_data(resp, NULL), g_bytes_get_size(resp), TRUE,
				    g_get_monotonic_time() + (gint64)CVMI_SERVICE_REQUEST_MS * 1000))
			keep = FALSE;
		if (!keep || g_atomic_int_get(&svc->stopping) || !read_ahead(c, &closed))
			break;
	}
	g_atomic_int_add(&svc->active, -1);
	g_mutex_lock(&svc->lock);
	gssize next = keep && !closed && !svc->stopping ? svc->spec.frame(c->buf->data, c->buf->len) : -1;
	if (next > 0) {
		g_thread_pool_push(svc->pool, c, NULL); /* pipelined: already whole */
	} else if (next == 0) {
		c->working = FALSE;
		conn_arm(c);
	} else {
		g_hash_table_remove(svc->conns, c);
	}
	g_mutex_unlock(&svc->lock);
	if (next < 0)
		conn_free(c);
}

static gpointer
loop_thread(gpointer data)
{
	CvmiService *svc = data;

	g_main_context_push_thread_default(svc->ctx);
	while (!g_atomic_int_get(&svc->quit))
		g_main_context_iteration(svc->ctx, TRUE);
	g_main_context_pop_thread_default(svc->ctx);
	return NULL;
}

CvmiService *
cvmi_service_new(const char *where, const CvmiServiceSpec *spec, gpointer owner, GError **error)
{
	CvmiService *svc = g_new0(CvmiService, 1);

	svc->spec = *spec;
	svc->owner = owner;
	svc->listener = cvmi_service_uri_bind(where, spec->backlog > 0 ? spec->backlog : 64, &svc->path, &svc->file_id,
					      error);
	if (svc->listener == NULL) {
		g_free(svc);
		return NULL;
	}
	g_socket_set_blocking(svc->listener, FALSE);
	g_mutex_init(&svc->lock);
	svc->conns = g_hash_table_new(NULL, NULL);
	svc->ctx = g_main_context_new();
	/* Queued requests dropped at stop free their connection. */
	svc->pool = g_thread_pool_new_full(work, svc, (GDestroyNotify)conn_drop, (gint)MAX(spec->workers, 1), FALSE, NULL);
	svc->accept_src = g_socket_create_source(svc->listener, G_IO_IN, NULL);
	/* Connections that closed are counted out before new ones are
	 * counted in: churn alone does not reach the cap. */
	g_source_set_priority(svc->accept_src, G_PRIORITY_LOW);
	g_source_set_callback(svc->accept_src, (GSourceFunc)(void (*)(void))on_accept, svc, NULL);
	g_source_attach(svc->accept_src, svc->ctx);
	svc->thread = g_thread_new("cvm-service", loop_thread, svc);
	return svc;
}

void
cvmi_service_free(CvmiService *svc)
{
	GHashTableIter it;
	gpointer key;

	if (svc == NULL)
		return;
	g_mutex_lock(&svc->lock);
	g_atomic_int_set(&svc->stopping, TRUE);
	g_hash_table_iter_init(&it, svc->conns);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		Conn *c = key;
		if (c->working) /* its handler's send fails at once */
			g_socket_shutdown(c->sock, TRUE, TRUE, NULL);
	}
	g_mutex_unlock(&svc->lock);
	g_atomic_int_set(&svc->quit, 1);
	g_main_context_wakeup(svc->ctx);
	g_thread_join(svc->thread);
	g_source_destroy(svc->accept_src);
	g_source_unref(svc->accept_src);
	g_socket_close(svc->listener, NULL);
	g_object_unref(svc->listener);
	cvmi_service_uri_unlink(svc->path, svc->file_id);
	/* The loop is gone: connections being read are this thread's now. */
	g_mutex_lock(&svc->lock);
	g_hash_table_iter_init(&it, svc->conns);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		Conn *c = key;
		if (!c->working) {
			g_hash_table_iter_remove(&it);
			conn_free(c);
		}
	}
	g_mutex_unlock(&svc->lock);
	g_thread_pool_free(svc->pool, TRUE, TRUE);
	g_hash_table_unref(svc->conns);
	g_main_context_unref(svc->ctx);
	g_mutex_clear(&svc->lock);
	g_free(svc->path);
	g_free(svc->file_id);
	g_free(svc);
}
