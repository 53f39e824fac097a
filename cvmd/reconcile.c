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

#include <cvm/launch.h>
#include <cvm/lifecycle.h>

/* What the guest's state is now, judged from libvirt and the record. */
static char *
current_state(Cvmd *d, const char *name, json_object *rec)
{
	return g_strdup(cvm_lifecycle_guest_state(d->conn, name, rec, NULL));
}

/* A record set aside as damaged while its guest still runs would drop the
 * guest from management and keep its name blocked: the domain's cvm
 * metadata (written at launch) tells enough to manage it again. The record
 * held no trustworthy UUID any more, so the domain is looked up by name,
 * and adopted only when it carries cvm's metadata. */
static json_object *
rebuild(Cvmd *d, const char *name)
{
	g_autoptr(GError) error = NULL;
	virDomainPtr dom;
	json_object *rec;

	if (d->conn == NULL)
		return NULL;
	dom = virDomainLookupByName(d->conn, name);
	virResetLastError();
	if (dom == NULL)
		return NULL;
	rec = cvm_launch_record_from_domain(dom, &error);
	virDomainFree(dom);
	if (rec == NULL) {
		g_printerr("cvmd: %s: record set aside; libvirt domain not rebuilt from: %s\n", name, error->message);
		return NULL;
	}
	if (!cvm_state_write(d->state, "guests", name, rec, &error)) {
		g_printerr("cvmd: %s: cannot store the rebuilt record: %s\n", name, error->message);
		json_object_put(rec);
		return NULL;
	}
	g_printerr("cvmd: %s: record rebuilt from the cvm metadata of libvirt domain %s "
		   "(disk, network, command line and update history were only in the old record)\n",
		   name, cvm_record_get_string(rec, "uuid", ""));
	return rec;
}

gboolean
cvmd_reconcile_load(Cvmd *d, GError **error)
{
	g_autoptr(GPtrArray) problems = NULL, aside = NULL;
	g_autoptr(GHashTable) records = NULL;
	GHashTableIter it;
	gpointer name, rec;

	records = cvm_state_load_all_full(d->state, "guests", &problems, &aside, error);
	if (records == NULL)
		return FALSE;
	for (guint i = 0; i < problems->len; i++)
		g_printerr("cvmd: state: %s\n", (const char *)problems->pdata[i]);
	for (guint i = 0; i < aside->len; i++) {
		const char *n = aside->pdata[i];
		json_object *r = g_hash_table_contains(records, n) ? NULL : rebuild(d, n);

		if (r != NULL)
			g_hash_table_insert(records, g_strdup(n), r);
	}
	g_hash_table_iter_init(&it, records);
	while (g_hash_table_iter_next(&it, &name, &rec)) {
		g_autofree char *state = current_state(d, name, rec);
		CvmdGuest *g = cvmd_guest_add(d, name, rec);

		if (strcmp(state, cvm_record_get_string(rec, "state", "")) != 0)
			g_printerr("cvmd: %s: %s -> %s (changed while cvmd was down)\n",
				   (const char *)name, cvm_record_get_string(rec, "state", ""), state);
		cvmd_guest_set_state(g, state);
	}
	return TRUE;
}

gboolean
cvmd_reconcile_guest(CvmdGuest *g)
{
	g_autofree char *state = current_state(g->daemon, g->name, g->record);

	if (strcmp(state, cvm_record_get_string(g->record, "state", "")) == 0)
		return FALSE;
	cvmd_guest_set_state(g, state);
	return TRUE;
}

guint
cvmd_reconcile(Cvmd *d)
{
	g_autoptr(GList) guests = g_hash_table_get_values(d->guests);
	guint changed = 0;

	for (GList *l = guests; l != NULL; l = l->next)
		changed += cvmd_reconcile_guest(l->data) ? 1 : 0;
	return changed;
}
