/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A small bounded pool for work on what callers hand to cvmd (InspectIgvm,
 * MeasureIgvm, VerifySnpReport): a 1 GiB measurement takes seconds, and a
 * verification milliseconds that anyone on the bus may ask for again and
 * again; on the main loop either would stall every other client. At most
 * JOBS_RUNNING run at once (the host has guests to serve), at most
 * JOBS_PENDING are accepted; beyond that a call is refused with Busy rather
 * than queued without bound. */
#include "cvmd/cvmd.h"

#define JOBS_RUNNING 2
#define JOBS_PENDING 8

typedef struct {
	Cvmd *daemon;
	GDBusMethodInvocation *inv;
	CvmdJobFunc run;
	gpointer data;
	GDestroyNotify free_data;
} Job;

static GThreadPool *pool;
static guint pending; /* main context only */

static void
job_free(Job *j)
{
	if (j->free_data != NULL)
		j->free_data(j->data);
	g_object_unref(j->inv);
	g_free(j);
}

/* Pool thread. */
static void
work(gpointer task, gpointer unused)
{
	Job *j = g_task_get_task_data(task);
	GError *error = NULL;
	GVariant *reply = j->run(j->daemon, j->inv, j->data, &error);

	(void)unused;
	if (reply == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, g_variant_ref_sink(reply), (GDestroyNotify)g_variant_unref);
	g_object_unref(task);
}

/* Main context: GTask brings the result back to where the call came in. */
static void
done(GObject *source, GAsyncResult *res, gpointer data)
{
	Job *j = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_task_propagate_pointer(G_TASK(res), &error);

	(void)source;
	pending--;
	if (reply == NULL)
		cvmd_return_error(j->inv, error);
	else
		g_dbus_method_invocation_return_value(j->inv, reply);
}

void
cvmd_job_start(Cvmd *d, GDBusMethodInvocation *inv, CvmdJobFunc run, gpointer data, GDestroyNotify free_data)
{
	g_autoptr(GError) error = NULL;
	Job *j;

	if (pool == NULL)
		pool = g_thread_pool_new(work, NULL, JOBS_RUNNING, FALSE, &error);
	if (pool != NULL && pending >= JOBS_PENDING)
		g_set_error(&error, CVM_ERROR, CVM_ERROR_BUSY,
			    "%u jobs (IGVM files, report verifications) are already running or queued; try again later",
			    pending);
	if (error != NULL) {
		if (free_data != NULL)
			free_data(data);
		cvmd_return_error(inv, error);
		return;
	}
	j = g_new0(Job, 1);
	j->daemon = d;
	j->inv = g_object_ref(inv);
	j->run = run;
	j->data = data;
	j->free_data = free_data;
	/* The task owns the job; done() runs before the task is finalised. */
	GTask *task = g_task_new(NULL, NULL, done, j);
	g_task_set_task_data(task, j, (GDestroyNotify)job_free);
	pending++;
	/* A thread that cannot be created now leaves the job queued for the next. */
	if (!g_thread_pool_push(pool, task, &error))
		g_printerr("cvmd: job queued, no new worker: %s\n", error->message);
}
