/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Applying firmware updates to libvirt guests cvm launched: images are
 * stored content-addressed (<state>/firmware/<sha256>.igvm, written once,
 * never changed), the guest's record names the current, staged and previous
 * image, and the switch is a relaunch whose record write changes image,
 * digest and expected measurement together. */
#include "fwupdate/fwupdate-private.h"
#include "launch/launch-internal.h"
#include "libcvm/libcvm-internal.h"

#include <cvm/state.h>
#include <cvm/guest-record.h>
#include <cvm/error.h>
#include <cvm/lifecycle.h>
#include <json-c/json.h>
#include <string.h>

static gchar *
store_image(CvmState *state, GBytes *image, const char *sha256, GError **error)
{
	g_autofree gchar *dir = g_build_filename(cvm_state_get_dir(state), "firmware", NULL);
	g_autofree gchar *name = g_strdup_printf("%s.igvm", sha256);
	gchar *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) local = NULL;
	gsize len;
	const guint8 *data = g_bytes_get_data(image, &len);

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot create %s: %s", dir, g_strerror(errno));
		g_free(path);
		return NULL;
	}
	/* Content-addressed: an existing file already holds these bytes. */
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
	    !g_file_set_contents_full(path, (const gchar *)data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s", local->message);
		g_free(path);
		return NULL;
	}
	return path;
}

gboolean
cvm_fwupdate_stage(CvmState *state, const char *name, const char *igvm_path, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(state, name, error);
	g_autofree gchar *dir = cvm_policy_default_dir();
	g_autoptr(CvmPolicy) policy = NULL;
	g_autoptr(CvmFwupdatePlan) plan = NULL;
	g_autoptr(GBytes) image = NULL;
	g_autoptr(GMappedFile) map = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree gchar *stored = NULL;
	CvmFwupdateGuest guest;
	gboolean ok = FALSE;

	if (rec == NULL || !cvmi_fwupdate_guest_of(rec, &guest, error) || (policy = cvm_policy_load_dir(dir, error)) == NULL)
		goto out;
	guest.max_image = cvm_policy_max_update_size(policy, name);
	map = g_mapped_file_new(igvm_path, FALSE, &local);
	if (map == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "%s", local->message);
		goto out;
	}
	image = g_mapped_file_get_bytes(map);
	plan = cvm_fwupdate_plan_image(&guest, image);
	if (cvm_fwupdate_plan_get_action(plan) != CVM_FWUPDATE_ACTION_REPLACE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "%s: %s", igvm_path, plan->message);
		goto out;
	}
	if (!cvm_fwupdate_plan_check_policy(plan, policy, name, error))
		goto out;
	stored = store_image(state, image, plan->sha256, error);
	if (stored == NULL)
		goto out;
	cvmi_test_fault("stage-stored");
	cvm_guest_image_set(&rec->staged, &(CvmGuestImage){ stored, plan->sha256, plan->digest ? plan->digest : "" });
	ok = cvm_guest_record_save(state, rec, error);
out:
	return ok;
}

gboolean
cvm_fwupdate_switch(virConnectPtr conn, CvmState *state, CvmGuestRecord *rec, gboolean rollback, GError **error)
{
	g_auto(CvmGuestImage) current = { 0 };
	g_autofree gchar *target = NULL;
	g_autoptr(GError) local = NULL;
	const CvmGuestImage *from = rollback ? &rec->previous : &rec->staged;

	if (from->igvm_path == NULL || *from->igvm_path == '\0') {
		g_set_error(error, CVM_ERROR, CVM_ERROR_STATE, "guest %s has no %s image", rec->name,
			    rollback ? "previous" : "staged");
		return FALSE;
	}
	target = g_strdup(from->igvm_path);
	cvm_guest_image_set(&current, &rec->image);
	if (!cvmi_launch_relaunch(conn, state, rec, target, &local)) {
		g_autoptr(GError) back = NULL;
		g_propagate_prefixed_error(error, g_steal_pointer(&local), "firmware switch of %s failed: ", rec->name);
		if (current.igvm_path != NULL && !cvmi_launch_relaunch(conn, state, rec, current.igvm_path, &back))
			g_prefix_error(error, "(and relaunching the old image failed too: %s) ", back->message);
		return FALSE;
	}
	cvm_guest_image_set(&rec->previous, &current);
	cvm_guest_image_clear(&rec->staged);
	return TRUE;
}

/* Relaunches @name from its staged or previous image; the running image
 * becomes the previous one. On failure the guest is relaunched from what
 * it ran. Either way the record is written once: image, digest, expected
 * measurement and history together. */
static gboolean
switch_image(virConnectPtr conn, CvmState *state, const char *name, gboolean rollback, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(state, name, error);
	g_autoptr(GError) local = NULL;
	gboolean ok;

	if (rec == NULL)
		return FALSE;
	ok = cvm_fwupdate_switch(conn, state, rec, rollback, &local);
	if (!ok && g_error_matches(local, CVM_ERROR, CVM_ERROR_STATE)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (!ok) {
		cvm_guest_record_save(state, rec, NULL);
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return cvm_guest_record_save(state, rec, error);
}

gboolean
cvm_fwupdate_recover(virConnectPtr conn, CvmState *state, const char *name, gboolean *changed, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(state, name, error);
	g_autoptr(CvmGuestRecord) md = NULL;
	CvmGuestImage *sets[2];
	const char *have, *runs;
	virDomainPtr dom;

	*changed = FALSE;
	if (rec == NULL)
		return FALSE;
	sets[0] = &rec->staged;
	sets[1] = &rec->previous;
	dom = cvm_lifecycle_lookup(conn, name, rec->uuid, NULL);
	if (dom == NULL) /* no domain of the guest's: nothing runs another image */
		return TRUE;
	md = cvm_launch_record_from_domain(dom, error);
	virDomainFree(dom);
	if (md == NULL)
		return FALSE;
	have = rec->image.igvm_sha256 ? rec->image.igvm_sha256 : "";
	runs = md->image.igvm_sha256 ? md->image.igvm_sha256 : "";
	if (*runs == '\0' || strcmp(have, runs) == 0)
		return TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(sets); i++) {
		g_auto(CvmGuestImage) was = { 0 }, now = { 0 };

		if (g_strcmp0(sets[i]->igvm_sha256, runs) != 0)
			continue;
		/* the switch to set i ran to the domain's start; finish its write
		 * as cvm_fwupdate_switch() would have */
		cvm_guest_image_set(&was, &rec->image);
		cvm_guest_image_set(&now, sets[i]);
		cvm_guest_image_set(&rec->image, &now);
		cvm_guest_image_set(&rec->previous, &was);
		cvm_guest_image_clear(&rec->staged);
		if (!cvm_guest_record_save(state, rec, error))
			return FALSE;
		*changed = TRUE;
		break;
	}
	return TRUE;
}

gboolean
cvm_fwupdate_apply(virConnectPtr conn, CvmState *state, const char *name, GError **error)
{
	return switch_image(conn, state, name, FALSE, error);
}

gboolean
cvm_fwupdate_rollback(virConnectPtr conn, CvmState *state, const char *name, GError **error)
{
	return switch_image(conn, state, name, TRUE, error);
}

static json_object *
image_json(const CvmGuestImage *image)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "igvm-path", json_object_new_string(image->igvm_path ? image->igvm_path : ""));
	json_object_object_add(o, "igvm-sha256", json_object_new_string(image->igvm_sha256 ? image->igvm_sha256 : ""));
	json_object_object_add(o, "expected-measurement",
			       json_object_new_string(image->measurement ? image->measurement : ""));
	return o;
}

gchar *
cvm_fwupdate_status(CvmState *state, const char *name, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(state, name, error);
	json_object *o;
	gchar *out;

	if (rec == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "current", image_json(&rec->image));
	if (rec->staged.igvm_path != NULL)
		json_object_object_add(o, "staged", image_json(&rec->staged));
	if (rec->previous.igvm_path != NULL && *rec->previous.igvm_path != '\0')
		json_object_object_add(o, "previous", image_json(&rec->previous));
	out = g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}
