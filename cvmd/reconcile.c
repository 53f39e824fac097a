/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Start-up: records from the state directory become guest objects, each
 * with its state taken from libvirt, which is the truth about domains.
 * Guests started or stopped while cvmd was down show their new state; a
 * guest whose domain is gone is "vanished" (kept until Forget), "replaced"
 * when another domain (another UUID) now has its name; a launch that was
 * interrupted before its domain existed is "failed"; a migration job
 * interrupted by cvmd's own death is ended. */
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

/* Whether @rec is the destination a migration job launched and had not
 * finished: marked "incoming", or (cvmd killed between the destination's
 * launch and its mark) unmarked, named by an "outgoing" source and created
 * after that source's mark was written: a guest of that name that was there
 * before would have failed the job's launch. */
static gboolean
unfinished_destination(GHashTable *records, const CvmGuestRecord *rec)
{
	GHashTableIter it;
	gpointer value;

	if (g_strcmp0(rec->migration, "incoming") == 0)
		return TRUE;
	if (rec->migration != NULL)
		return FALSE;
	g_hash_table_iter_init(&it, records);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const CvmGuestRecord *src = value;

		if (g_strcmp0(src->migration, "outgoing") == 0 && g_strcmp0(src->migration_peer, rec->name) == 0 &&
		    src->migration_started > 0 && rec->created >= src->migration_started)
			return TRUE;
	}
	return FALSE;
}

/* A migration job cut short by cvmd's death (kill -9, a power cut) left
 * its marks in the records (migrate/job.c): the destination launched for
 * it never got the whole guest and goes (domain, files, record), as a
 * failed job would have removed it; the source, left as it was, says the
 * job was interrupted and why, and can be migrated again. */
static void
end_interrupted_migrations(Cvmd *d, GHashTable *records)
{
	GHashTableIter it;
	gpointer name, value;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) dests = g_ptr_array_new_with_free_func(g_free);

	g_hash_table_iter_init(&it, records);
	while (g_hash_table_iter_next(&it, &name, &value))
		if (unfinished_destination(records, value))
			g_ptr_array_add(dests, g_strdup(name));
	for (guint i = 0; i < dests->len; i++) {
		const char *n = dests->pdata[i];

		if (d->conn == NULL || !cvm_launch_forget(d->conn, d->state, n, &error)) {
			g_printerr("cvmd: %s: destination of an interrupted migration not removed: %s\n", n,
				   error != NULL ? error->message : "libvirt is not reachable");
			g_clear_error(&error);
			continue;
		}
		g_printerr("cvmd: %s: destination of a migration interrupted by cvmd's stop, removed\n", n);
		g_hash_table_remove(records, n);
	}
	g_hash_table_iter_init(&it, records);
	while (g_hash_table_iter_next(&it, &name, &value)) {
		CvmGuestRecord *rec = value;
		const char *peer = rec->migration_peer ? rec->migration_peer : "";

		if (g_strcmp0(rec->migration, "outgoing") != 0)
			continue;
		g_autofree gchar *why = g_strdup_printf(
			"cvmd stopped during the migration to %s; the job did not finish, %s", peer,
			g_hash_table_contains(records, peer) ? "its destination guest was left (cvmd could not remove it)"
			: g_ptr_array_find_with_equal_func(dests, peer, g_str_equal, NULL) ? "its destination was removed"
											  : "no destination was left");
		cvm_guest_record_set(&rec->migration, "interrupted");
		cvm_guest_record_set(&rec->migration_error, why);
		rec->migration_started = 0;
		g_printerr("cvmd: %s: %s\n", (const char *)name, why);
		if (!cvm_guest_record_save(d->state, rec, &error)) {
			g_printerr("cvmd: %s: cannot record the interrupted migration: %s\n", (const char *)name,
				   error->message);
			g_clear_error(&error);
		}
	}
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
	end_interrupted_migrations(d, records);
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
