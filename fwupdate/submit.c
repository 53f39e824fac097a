/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guest requests carried out with vm-launch-update's semantics (the
 * DISABLE x HOST_IGVM table in docs/fwupdate.md): the lock and the
 * one-reset and restore marks live in the guest's record, so they survive a
 * cvmd restart, and the host's own image is remembered at the first update. */
#include "fwupdate/fwupdate-private.h"
#include "launch/launch-internal.h"

#include <cvm/state.h>
#include <cvm/guest-record.h>
#include <cvm/error.h>
#include <string.h>

gboolean
cvmi_fwupdate_guest_of(const CvmGuestRecord *rec, CvmFwupdateGuest *out, GError **error)
{
	memset(out, 0, sizeof(*out));
	out->vcpus = rec->vcpus;
	out->launched_with_igvm = TRUE;
	return cvm_platform_from_string(rec->platform, &out->platform, error);
}

gboolean
cvm_fwupdate_guest_from_record(CvmState *state, const char *name, CvmFwupdateGuest *out, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(state, name, error);
	gboolean ok;

	memset(out, 0, sizeof(*out));
	if (rec == NULL)
		return FALSE;
	ok = cvmi_fwupdate_guest_of(rec, out, error);
	out->disabled = rec->fwupdate_disabled;
	return ok;
}

typedef enum { MARK_DISABLED, MARK_ONE_RESET, MARK_RESTORE } Mark;

static gboolean
mark(CvmState *state, const char *name, Mark which, gboolean value, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(state, name, error);

	if (rec == NULL)
		return FALSE;
	switch (which) {
	case MARK_DISABLED: rec->fwupdate_disabled = value; break;
	case MARK_ONE_RESET: rec->fwupdate_one_reset = value; break;
	case MARK_RESTORE: rec->fwupdate_restore_host = value; break;
	}
	if (rec->host_igvm_path == NULL && rec->image.igvm_path != NULL)
		rec->host_igvm_path = g_strdup(rec->image.igvm_path);
	return cvm_guest_record_save(state, rec, error);
}

gboolean
cvm_fwupdate_submit(virConnectPtr conn, CvmState *state, const char *name, const CvmFwupdatePlan *plan, GError **error)
{
	if (plan->locks)
		return mark(state, name, MARK_DISABLED, TRUE, error);
	switch (plan->action) {
	case CVM_FWUPDATE_ACTION_RESTORE_HOST:
		return mark(state, name, MARK_RESTORE, TRUE, error);
	case CVM_FWUPDATE_ACTION_REPLACE: {
		g_autofree gchar *dir = g_build_filename(cvm_state_get_dir(state), "firmware", NULL);
		g_autofree gchar *file = g_strdup_printf("%s.igvm", plan->sha256);
		g_autofree gchar *path = g_build_filename(dir, file, NULL);
		gsize len;
		const gchar *data = g_bytes_get_data(plan->image, &len);
		g_autoptr(GError) local = NULL;
		/* Remember the host's image before the first replacement. */
		if (!mark(state, name, MARK_ONE_RESET, FALSE, error))
			return FALSE;
		if (g_mkdir_with_parents(dir, 0700) < 0 ||
		    (!g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
		     !g_file_set_contents_full(path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local))) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot store %s: %s", path,
				    local ? local->message : g_strerror(errno));
			return FALSE;
		}
		g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(state, name, error);
		if (rec == NULL)
			return FALSE;
		cvm_guest_record_set(&rec->staged.igvm_path, path);
		cvm_guest_record_set(&rec->staged.igvm_sha256, plan->sha256);
		return cvm_guest_record_save(state, rec, error) && cvm_fwupdate_apply(conn, state, name, error) &&
		       (!plan->one_reset || mark(state, name, MARK_ONE_RESET, TRUE, error));
	}
	default:
		return TRUE;
	}
}

gboolean
cvm_fwupdate_guest_reset(virConnectPtr conn, CvmState *state, const char *name, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(state, name, error);

	if (rec == NULL)
		return FALSE;
	if ((rec->fwupdate_one_reset || rec->fwupdate_restore_host) && rec->host_igvm_path != NULL) {
		g_autofree gchar *host = g_strdup(rec->host_igvm_path);

		if (!cvmi_launch_relaunch(conn, state, rec, host, error))
			return FALSE;
		/* Restoring the host image also lifts the lock. */
		rec->fwupdate_one_reset = rec->fwupdate_restore_host = rec->fwupdate_disabled = FALSE;
		return cvm_guest_record_save(state, rec, error);
	}
	return TRUE;
}
