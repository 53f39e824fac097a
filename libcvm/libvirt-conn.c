/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening libvirt connections the way every cvm component needs them. */
#include <cvm/error.h>
#include <cvm/libvirt.h>
#include <libvirt/virterror.h>
#include <stdarg.h>
#include <stdlib.h>

/* libvirt's event loop is process-wide by libvirt's design: it is
 * registered once and runs in a thread while connections opened here are
 * open. The thread is stopped when the last one closes, because libvirt
 * tears the embedded driver down on that close and a loop still
 * dispatching into it races with process exit. */
/* Errors reach callers as GErrors; libvirt's default handler would also
 * print every expected "domain not found" to stderr. */
static void
quiet(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

typedef struct {
	GMutex lock;
	guint users;
	gboolean stop;
	GThread *thread;
} EventLoop;

static EventLoop *
event_loop(void)
{
	static EventLoop loop;
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		g_mutex_init(&loop.lock);
		virSetErrorFunc(NULL, quiet);
		virEventRegisterDefaultImpl();
		g_once_init_leave(&once, 1);
	}
	return &loop;
}

static gpointer
event_thread(gpointer data)
{
	EventLoop *loop = data;

	for (;;) {
		g_mutex_lock(&loop->lock);
		gboolean stop = loop->stop;
		g_mutex_unlock(&loop->lock);
		if (stop)
			break;
		if (virEventRunDefaultImpl() < 0)
			g_usleep(100000); /* never spin on a persistent error */
	}
	return NULL;
}

static void
wake(int timer, void *opaque)
{
	(void)opaque;
	virEventRemoveTimeout(timer);
}

static void
event_loop_ref(void)
{
	EventLoop *loop = event_loop();

	g_mutex_lock(&loop->lock);
	if (loop->users++ == 0) {
		loop->stop = FALSE;
		loop->thread = g_thread_new("cvm-libvirt-events", event_thread, loop);
	}
	g_mutex_unlock(&loop->lock);
}

static void
event_loop_unref(void)
{
	EventLoop *loop = event_loop();
	GThread *thread = NULL;

	g_mutex_lock(&loop->lock);
	if (--loop->users == 0) {
		loop->stop = TRUE;
		thread = g_steal_pointer(&loop->thread);
	}
	g_mutex_unlock(&loop->lock);
	if (thread != NULL) {
		/* A timer that fires at once makes the blocked iteration return. */
		virEventAddTimeout(0, wake, NULL, NULL);
		g_thread_join(thread);
	}
}

void
cvm_libvirt_set_error(GError **error, const char *fmt, ...)
{
	va_list ap;
	const char *msg = virGetLastErrorMessage();

	va_start(ap, fmt);
	g_autofree gchar *what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "%s: %s", what, msg != NULL ? msg : "unknown libvirt error");
}

virConnectPtr
cvm_libvirt_open(const char *uri, GError **error)
{
	virConnectPtr conn;

	event_loop_ref();
	conn = virConnectOpen(uri);
	if (conn == NULL) {
		cvm_libvirt_set_error(error, "cannot connect to %s", uri);
		event_loop_unref();
	}
	return conn;
}

/* Opening the embedded driver starts a thread per running domain that
 * reconnects to its QEMU, holding the domain's job; a process that exits
 * while one runs can crash in it (libvirt 9.0). Any API that takes a job
 * waits for those threads: ask each running domain for its memory stats. */
static void
wait_for_reconnects(virConnectPtr conn)
{
	char *uri = virConnectGetURI(conn);
	virDomainPtr *doms = NULL;
	int n;

	if (uri == NULL || !g_str_has_prefix(uri, "qemu:///embed")) {
		free(uri);
		return;
	}
	free(uri);
	n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	for (int i = 0; i < n; i++) {
		virDomainMemoryStatStruct stat;
		virDomainMemoryStats(doms[i], &stat, 1, 0);
		virDomainFree(doms[i]);
	}
	free(doms);
	virResetLastError();
}

void
cvm_libvirt_close(virConnectPtr conn)
{
	if (conn == NULL)
		return;
	wait_for_reconnects(conn);
	virConnectClose(conn);
	event_loop_unref();
}
