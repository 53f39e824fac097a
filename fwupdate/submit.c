/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guest requests carried out with vm-launch-update's semantics (the
 * DISABLE x HOST_IGVM table in docs/fwupdate.md): the lock and the
 * one-reset and restore marks live in the guest's record, so they survive a
 * cvmd restart, and the host's own image is remembered at the first update. */
#include "fwupdate/fwupdate-private.h"
#include "launch/launch-internal.h"

#include <cvm/state.h>
#include <cvm/error.h>
#include <json-c/json.h>

#define K_DISABLED "fwupdate-disabled"
#define K_ONE_RESET "fwupdate-one-reset"
#define K_RESTORE "fwupdate-restore-host"
#define K_HOST "host-igvm-path"

gboolean
cvmi_fwupdate_guest_of(json_object *rec, CvmFwupdateGuest *out, GError **error)
{
	memset(out, 0, sizeof(*out));
	out->vcpus = (guint)cvm_record_get_int(rec, "vcpus", 1);
	out->launched_with_igvm = TRUE;
	return cvm_launch_platform_from_string(cvm_record_get_string(rec, "platform", NULL), &out->platform, error);
}

gboolean
cvm_fwupdate_guest_from_record(CvmState *state, const char *name, CvmFwupdateGuest *out, GError **error)
{
	json_object *rec = cvm_state_read(state, "guests", name, error);
	gboolean ok;

	memset(out, 0, sizeof(*out));
	if (rec == NULL)
		return FALSE;
	ok = cvmi_fwupdate_guest_of(rec, out, error);
	out->disabled = cvm_record_get_bool(rec, K_DISABLED);
	json_object_put(rec);
	return ok;
}

static gboolean
mark(CvmState *state, const char *name, const char *key, gboolean value, GError **error)
{
	json_object *rec = cvm_state_read(state, "guests", name, error);
	gboolean ok;

	if (rec == NULL)
		return FALSE;
	json_object_object_add(rec, key, json_object_new_boolean(value));
	if (cvm_record_get_string(rec, K_HOST, NULL) == NULL && cvm_record_get_string(rec, "igvm-path", NULL) != NULL)
		json_object_object_add(rec, K_HOST, json_object_new_string(cvm_record_get_string(rec, "igvm-path", NULL)));
	ok = cvm_state_write(state, "guests", name, rec, error);
	json_object_put(rec);
	return ok;
}

gboolean
cvm_fwupdate_submit(virConnectPtr conn, CvmState *state, const char *name, const CvmFwupdatePlan *plan, GError **error)
{
	if (plan->locks)
		return mark(state, name, K_DISABLED, TRUE, error);
	switch (plan->action) {
	case CVM_FWUPDATE_ACTION_RESTORE_HOST:
		return mark(state, name, K_RESTORE, TRUE, error);
	case CVM_FWUPDATE_ACTION_REPLACE: {
		g_autofree gchar *dir = g_build_filename(cvm_state_get_dir(state), "firmware", NULL);
		g_autofree gchar *file = g_strdup_printf("%s.igvm", plan->sha256);
		g_autofree gchar *path = g_build_filename(dir, file, NULL);
		gsize len;
		const gchar *data = g_bytes_get_data(plan->image, &len);
		g_autoptr(GError) local = NULL;
		/* Remember the host's image before the first replacement. */
		if (!mark(state, name, K_ONE_RESET, FALSE, error))
			return FALSE;
		if (g_mkdir_with_parents(dir, 0700) < 0 ||
		    (!g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
		     !g_file_set_contents_full(path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local))) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot store %s: %s", path,
				    local ? local->message : g_strerror(errno));
			return FALSE;
		}
		json_object *rec = cvm_state_read(state, "guests", name, error);
		if (rec == NULL)
			return FALSE;
		json_object_object_add(rec, "staged-igvm-path", json_object_new_string(path));
		json_object_object_add(rec, "staged-igvm-sha256", json_object_new_string(plan->sha256));
		gboolean ok = cvm_state_write(state, "guests", name, rec, error);
		json_object_put(rec);
		return ok && cvm_fwupdate_apply(conn, state, name, error) &&
		       (!plan->one_reset || mark(state, name, K_ONE_RESET, TRUE, error));
	}
	default:
		return TRUE;
	}
}

gboolean
cvm_fwupdate_guest_reset(virConnectPtr conn, CvmState *state, const char *name, GError **error)
{
	json_object *rec = cvm_state_read(state, "guests", name, error);
	gboolean ok = TRUE;

	if (rec == NULL)
		return FALSE;
	if ((cvm_record_get_bool(rec, K_ONE_RESET) || cvm_record_get_bool(rec, K_RESTORE)) && cvm_record_get_string(rec, K_HOST, NULL) != NULL) {
		g_autofree gchar *host = g_strdup(cvm_record_get_string(rec, K_HOST, NULL));
		ok = cvmi_launch_relaunch(conn, state, name, rec, host, error);
		if (ok) {
			/* Restoring the host image also lifts the lock. */
			json_object_object_add(rec, K_ONE_RESET, json_object_new_boolean(FALSE));
			json_object_object_add(rec, K_RESTORE, json_object_new_boolean(FALSE));
			json_object_object_add(rec, K_DISABLED, json_object_new_boolean(FALSE));
			ok = cvm_state_write(state, "guests", name, rec, error);
		}
	}
	json_object_put(rec);
	return ok;
}
