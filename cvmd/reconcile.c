/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Start-up: records from the state directory become guest objects, each
 * with its state taken from libvirt, which is the truth about domains.
 * Guests started or stopped while cvmd was down show their new state; a
 * guest whose domain is gone is "vanished" (kept until Forget), "replaced"
 * when another domain (another UUID) now has its name; a launch that was
 * interrupted before its domain existed is "failed". */
#include <string.h>
#include <libvirt/virterror.h>
#include "cvmd/cvmd.h"

#include <cvm/fwupdate.h>
#include <cvm/launch.h>
#include <cvm/lifecycle.h>

/* What the guest's state is now, judged from libvirt and the record;
 * @reason_out: libvirt's reason for it, when there is one. */
static char *
current_state(Cvmd *d, const char *name, const CvmGuestRecord *rec, const char **reason_out)
{
	return g_strdup(cvm_lifecycle_guest_state(d->conn, name, rec, reason_out));
}

/* A record set aside as damaged while its guest still runs would drop the
 * guest from management and keep its name blocked: the domain's cvm
 * metadata (written at launch) tells enough to manage it again. */
static CvmGuestRecord *
rebuild(Cvmd *d, const char *name)
{
	g_autoptr(GError) error = NULL;
	CvmGuestRecord *rec;

	if (d->conn == NULL)
		return NULL;
	rec = cvm_launch_rebuild_record(d->conn, d->state, name, &error);
	if (rec == NULL) {
		g_printerr("cvmd: %s: record set aside, not rebuilt from libvirt: %s\n", name, error->message);
		return NULL;
	}
	g_printerr("cvmd: %s: record rebuilt from the cvm metadata of libvirt domain %s "
		   "(disk, network, command line and update history were only in the old record)\n",
		   name, rec->uuid);
	return rec;
}

gboolean
cvmd_reconcile_load(Cvmd *d, GError **error)
{
	g_autoptr(GPtrArray) problems = NULL, aside = NULL;
	g_autoptr(GHashTable) records = NULL;
	GHashTableIter it;
	gpointer name, value;

	records = cvm_guest_record_load_all(d->state, &problems, &aside, error);
	if (records == NULL)
		return FALSE;
	for (guint i = 0; i < problems->len; i++)
		g_printerr("cvmd: state: %s\n", (const char *)problems->pdata[i]);
	for (guint i = 0; i < aside->len; i++) {
		const char *n = aside->pdata[i];
		CvmGuestRecord *r = g_hash_table_contains(records, n) ? NULL : rebuild(d, n);

		if (r != NULL)
			g_hash_table_insert(records, g_strdup(n), r);
	}
	g_hash_table_iter_init(&it, records);
	while (g_hash_table_iter_next(&it, &name, &value)) {
		CvmGuestRecord *rec = value, *now;
		const char *reason;
		gboolean recovered = FALSE;
		g_autoptr(GError) local = NULL;

		/* a firmware switch killed between the new domain's start and the
		 * record's rewrite (test-cvmd-faults.sh, relaunch-started) */
		if (d->conn != NULL && !cvm_fwupdate_recover(d->conn, d->state, name, &recovered, &local))
			g_printerr("cvmd: %s: firmware state not checked: %s\n", (const char *)name, local->message);
		if (recovered && (now = cvm_guest_record_load(d->state, name, NULL)) != NULL) {
			g_printerr("cvmd: %s: a firmware switch cut short is finished: the domain runs %s\n",
				   (const char *)name, now->image.igvm_sha256);
			g_hash_table_iter_replace(&it, now);
			rec = now;
		}
		g_autofree char *state = current_state(d, name, rec, &reason);
		CvmdGuest *g = cvmd_guest_add(d, name, rec);

		if (g_strcmp0(state, rec->state) != 0)
			g_printerr("cvmd: %s: %s -> %s (changed while cvmd was down)\n",
				   (const char *)name, rec->state ? rec->state : "", state);
		cvmd_guest_set_state(g, state);
		cvmd_guest_set_reason(g, reason);
	}
	return TRUE;
}

gboolean
cvmd_reconcile_guest(CvmdGuest *g)
{
	const char *reason;
	g_autofree char *state = current_state(g->daemon, g->name, g->record, &reason);

	if (g_strcmp0(state, g->record->state) == 0)
		return FALSE;
	cvmd_guest_set_state(g, state);
	cvmd_guest_set_reason(g, reason);
	return TRUE;
}

/* Reconcile(): every guest's state asked of libvirt from a worker thread
 * (a thousand guests, or a libvirt busy with a QEMU, must not stall the
 * bus); the worker reads snapshots, never the guest objects, and the
 * answers are applied here, to guests that are still the same and not held
 * by another worker (which reconciles its guest itself when it ends). */
typedef struct {
	char *name;
	CvmGuestRecord *rec; /* a copy */
	const char *state; /* the worker's answer (static) */
	const char *reason; /* libvirt's reason for it (static, nullable) */
} Snapshot;

typedef struct {
	Cvmd *daemon;
	GDBusMethodInvocation *inv;
	GArray *guests; /* of Snapshot */
} Reconcile;

static void
reconcile_run(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	Reconcile *r = data;

	(void)source;
	(void)cancellable;
	for (guint i = 0; i < r->guests->len; i++) {
		Snapshot *s = &g_array_index(r->guests, Snapshot, i);

		s->state = cvm_lifecycle_guest_state(r->daemon->conn, s->name, s->rec, &s->reason);
	}
	g_task_return_boolean(task, TRUE);
}

static void
reconcile_done(GObject *source, GAsyncResult *res, gpointer data)
{
	Reconcile *r = data;
	guint changed = 0;

	(void)source;
	(void)res;
	for (guint i = 0; i < r->guests->len; i++) {
		Snapshot *s = &g_array_index(r->guests, Snapshot, i);
		CvmdGuest *g = cvmd_guest_lookup(r->daemon, s->name);

		if (g != NULL && g->busy == NULL &&
		    g_strcmp0(g->record->uuid, s->rec->uuid) == 0 && g_strcmp0(s->state, g->record->state) != 0) {
			cvmd_guest_set_state(g, s->state);
			cvmd_guest_set_reason(g, s->reason);
			changed++;
		}
		g_free(s->name);
		cvm_guest_record_free(s->rec);
	}
	cvm_dbus_manager_complete_reconcile(r->daemon->manager, r->inv, changed);
	g_object_unref(r->inv);
	g_array_unref(r->guests);
	g_free(r);
}

void
cvmd_reconcile_async(Cvmd *d, GDBusMethodInvocation *inv)
{
	Reconcile *r = g_new0(Reconcile, 1);
	GHashTableIter it;
	gpointer g;

	r->daemon = d;
	r->inv = g_object_ref(inv);
	r->guests = g_array_new(FALSE, TRUE, sizeof(Snapshot));
	g_hash_table_iter_init(&it, d->guests);
	while (g_hash_table_iter_next(&it, NULL, &g)) {
		CvmdGuest *guest = g;
		Snapshot s = { .name = g_strdup(guest->name), .rec = cvm_guest_record_copy(guest->record) };

		g_array_append_val(r->guests, s);
	}
	g_autoptr(GTask) task = g_task_new(NULL, NULL, reconcile_done, r);
	g_task_set_task_data(task, r, NULL);
	g_task_run_in_thread(task, reconcile_run);
}
