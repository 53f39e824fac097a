/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The certificate store's fill command: a table the store lacks is fetched
 * by the operator's command (cvm itself never contacts AMD), in the
 * background, while VMMs are answered BUSY, so the guest retries instead of
 * erasing its VMPCK or getting the empty table for good. Fills run on a
 * small pool with a bounded queue: a guest can name any chip ID and TCB. */
#include "attest/cert-private.h"
#include "attest/proxy-private.h"
#include "libcvm/libcvm-internal.h"

#include <cvm/error.h>
#include <string.h>

typedef struct {
	gboolean running;
	gint64 failed_at; /* monotonic us of the last failure, 0 if none */
} CvmiCertFill;

typedef struct {
	CvmSnpCertStore *store;
	gchar *key;
	gchar **argv; /* the command, chip ID and TCB appended */
	guint timeout_ms;
	guint8 chip_id[64];
	guint64 tcb;
} FillJob;

static void fill_job(gpointer data, gpointer user);

static void
job_free(gpointer data)
{
	FillJob *j = data;
	g_free(j->key);
	g_strfreev(j->argv);
	g_free(j);
}

void
cvmi_cert_fill_init(CvmSnpCertStore *s)
{
	g_mutex_init(&s->lock);
	s->fills = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	/* Queued fills dropped at free are freed with job_free. */
	s->fill_pool = g_thread_pool_new_full(fill_job, s, job_free, CVMI_CERT_FILL_RUNNING_MAX, FALSE, NULL);
}

void
cvmi_cert_fill_clear(CvmSnpCertStore *s)
{
	g_mutex_lock(&s->lock);
	GThreadPool *pool = g_steal_pointer(&s->fill_pool);
	g_mutex_unlock(&s->lock);
	/* Outside the lock: a finishing fill takes it. Queued fills are
	 * dropped, running ones (each bounded by its timeout) waited for. */
	g_thread_pool_free(pool, TRUE, TRUE);
	g_hash_table_unref(s->fills);
	g_strfreev(s->fill_argv);
	g_mutex_clear(&s->lock);
}

void
cvm_snp_cert_store_set_fill_command(CvmSnpCertStore *s, const char *const *argv, guint timeout_ms)
{
	g_mutex_lock(&s->lock);
	g_strfreev(s->fill_argv);
	s->fill_argv = argv && argv[0] ? g_strdupv((gchar **)argv) : NULL;
	s->fill_timeout_ms = timeout_ms ? timeout_ms : 60000;
	g_hash_table_remove_all(s->fills); /* a new command gets a fresh chance */
	g_mutex_unlock(&s->lock);
}

static gboolean
fill(FillJob *j, GError **error)
{
	g_autoptr(GBytes) out = NULL;
	gboolean late;
	int status = 0;

	if (!cvmi_command_run((const char *const *)j->argv, NULL, j->timeout_ms, &out, &status, &late, error))
		return FALSE;
	if (status != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_FAILED, "%s: exit status %d", j->argv[0], status);
		return FALSE;
	}
	return cvm_snp_cert_store_import(j->store, j->chip_id, j->tcb, out, error);
}

static void
fill_job(gpointer data, gpointer user)
{
	FillJob *j = data;
	CvmSnpCertStore *s = user;
	g_autoptr(GError) error = NULL;
	gboolean ok = fill(j, &error);

	if (!ok)
		g_warning("SNP certificate fill for TCB %016" G_GINT64_MODIFIER "x: %s", j->tcb, error->message);
	g_mutex_lock(&s->lock);
	CvmiCertFill *f = g_hash_table_lookup(s->fills, j->key);
	if (f != NULL) {
		f->running = FALSE;
		f->failed_at = ok ? 0 : g_get_monotonic_time();
	}
	s->fill_pending--;
	g_mutex_unlock(&s->lock);
	job_free(j);
}

/* Under the lock. */
static void
queue_fill(CvmSnpCertStore *s, const char *key, const guint8 chip_id[64], guint64 tcb)
{
	FillJob *j = g_new0(FillJob, 1);
	guint n = g_strv_length(s->fill_argv);

	j->store = s;
	j->key = g_strdup(key);
	j->timeout_ms = s->fill_timeout_ms;
	memcpy(j->chip_id, chip_id, 64);
	j->tcb = tcb;
	j->argv = g_new0(gchar *, n + 3);
	for (guint i = 0; i < n; i++)
		j->argv[i] = g_strdup(s->fill_argv[i]);
	j->argv[n] = cvmi_hex(chip_id, 64);
	j->argv[n + 1] = g_strdup_printf("%016" G_GINT64_MODIFIER "x", tcb);
	s->fill_pending++;
	g_thread_pool_push(s->fill_pool, j, NULL);
}

gboolean
cvmi_cert_fill_start(CvmSnpCertStore *s, const char *key, const guint8 chip_id[64], guint64 tcb)
{
	gboolean busy = TRUE;

	g_mutex_lock(&s->lock);
	CvmiCertFill *f = g_hash_table_lookup(s->fills, key);
	if (s->fill_argv == NULL || s->fill_pool == NULL)
		busy = FALSE;
	else if (f != NULL && f->running)
		busy = TRUE;
	else if (g_file_test(key, G_FILE_TEST_EXISTS))
		busy = TRUE; /* filled since the caller looked: the next ask gets it */
	else if (f != NULL && g_get_monotonic_time() - f->failed_at < CVMI_CERT_FILL_RETRY_S * G_USEC_PER_SEC)
		busy = FALSE;
	else if (s->fill_pending >= CVMI_CERT_FILL_RUNNING_MAX + CVMI_CERT_FILL_QUEUE_MAX) {
		/* Refused: the empty table, as without a fill command. Logged
		 * once per spell of refusals, not once per guest request. */
		if (!s->fill_refusing)
			g_warning("SNP certificate fill: %u fills queued or running, the most there may be; "
				  "chip IDs and TCBs beyond them get the empty table until the queue drains",
				  s->fill_pending);
		s->fill_refusing = TRUE;
		busy = FALSE;
	} else {
		if (f == NULL) {
			f = g_new0(CvmiCertFill, 1);
			g_hash_table_insert(s->fills, g_strdup(key), f);
		}
		f->running = TRUE;
		s->fill_refusing = FALSE;
		queue_fill(s, key, chip_id, tcb);
	}
	g_mutex_unlock(&s->lock);
	return busy;
}
