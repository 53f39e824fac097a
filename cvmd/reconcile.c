/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Start-up: records from the state directory become guest objects, each
 * with its state taken from libvirt, which is the truth about domains.
 * Guests started or stopped while cvmd was down show their new state; a
 * guest whose domain is gone is "vanished" (kept until Forget), "replaced"
 * when another domain (another UUID) now has its name; a launch that was
 * interrupted before its domain existed is "failed". */
#include <string.h>
#include "cvmd/cvmd.h"

#include <cvm/lifecycle.h>

/* What the guest's state is now, judged from libvirt and the record. */
static char *
current_state(Cvmd *d, const char *name, json_object *rec)
{
	return g_strdup(cvm_lifecycle_guest_state(d->conn, name, rec));
}

gboolean
cvmd_reconcile_load(Cvmd *d, GError **error)
{
	g_autoptr(GPtrArray) problems = NULL;
	g_autoptr(GHashTable) records = NULL;
	GHashTableIter it;
	gpointer name, rec;

	records = cvm_state_load_all(d->state, "guests", &problems, error);
	if (records == NULL)
		return FALSE;
	for (guint i = 0; i < problems->len; i++)
		g_printerr("cvmd: state: %s\n", (const char *)problems->pdata[i]);
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
