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
	json_object *rec = cvm_state_read(state, "guests", name, error);
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
	json_object_object_add(rec, "staged-igvm-path", json_object_new_string(stored));
	json_object_object_add(rec, "staged-igvm-sha256", json_object_new_string(plan->sha256));
	json_object_object_add(rec, "staged-measurement", json_object_new_string(plan->digest ? plan->digest : ""));
	ok = cvm_state_write(state, "guests", name, rec, error);
out:
	if (rec != NULL)
		json_object_put(rec);
	return ok;
}

/* Relaunches @name from the image its record names under @from_key
 * ("staged-igvm-path" or "previous-igvm-path"); the running image becomes
 * the previous one. On failure the guest is relaunched from what it ran. */
static gboolean
switch_image(virConnectPtr conn, CvmState *state, const char *name, const char *from_key, GError **error)
{
	json_object *rec = cvm_state_read(state, "guests", name, error);
	g_autofree gchar *target = NULL, *current = NULL, *current_sha = NULL, *current_md = NULL;
	g_autoptr(GError) local = NULL;
	gboolean ok = FALSE;

	if (rec == NULL)
		return FALSE;
	target = g_strdup(cvm_record_get_string(rec, from_key, NULL));
	current = g_strdup(cvm_record_get_string(rec, "igvm-path", NULL));
	current_sha = g_strdup(cvm_record_get_string(rec, "igvm-sha256", NULL));
	current_md = g_strdup(cvm_record_get_string(rec, "expected-measurement", NULL));
	if (target == NULL || *target == '\0') {
		g_set_error(error, CVM_ERROR, CVM_ERROR_STATE, "guest %s has no %s image", name,
			    strstr(from_key, "staged") ? "staged" : "previous");
		goto out;
	}
	if (!cvmi_launch_relaunch(conn, state, name, rec, target, &local)) {
		g_autoptr(GError) back = NULL;
		g_propagate_prefixed_error(error, g_steal_pointer(&local), "firmware switch of %s failed: ", name);
		if (current != NULL && !cvmi_launch_relaunch(conn, state, name, rec, current, &back))
			g_prefix_error(error, "(and relaunching the old image failed too: %s) ", back->message);
		cvm_state_write(state, "guests", name, rec, NULL);
		goto out;
	}
	json_object_object_add(rec, "previous-igvm-path", json_object_new_string(current ? current : ""));
	json_object_object_add(rec, "previous-igvm-sha256", json_object_new_string(current_sha ? current_sha : ""));
	json_object_object_add(rec, "previous-measurement", json_object_new_string(current_md ? current_md : ""));
	json_object_object_del(rec, "staged-igvm-path");
	json_object_object_del(rec, "staged-igvm-sha256");
	json_object_object_del(rec, "staged-measurement");
	/* One write: image, digest, expected measurement and history together. */
	ok = cvm_state_write(state, "guests", name, rec, error);
out:
	json_object_put(rec);
	return ok;
}

gboolean
cvm_fwupdate_recover(virConnectPtr conn, CvmState *state, const char *name, gboolean *changed, GError **error)
{
	static const char *const sets[][3] = {
		{"staged-igvm-path", "staged-igvm-sha256", "staged-measurement"},
		{"previous-igvm-path", "previous-igvm-sha256", "previous-measurement"},
	};
	json_object *rec = cvm_state_read(state, "guests", name, error), *md = NULL;
	const char *have, *runs;
	virDomainPtr dom;
	gboolean ok = FALSE;

	*changed = FALSE;
	if (rec == NULL)
		return FALSE;
	dom = cvm_lifecycle_lookup(conn, name, cvm_record_get_string(rec, "uuid", NULL), NULL);
	if (dom == NULL) { /* no domain of the guest's: nothing runs another image */
		ok = TRUE;
		goto out;
	}
	md = cvm_launch_record_from_domain(dom, error);
	virDomainFree(dom);
	if (md == NULL)
		goto out;
	ok = TRUE;
	have = cvm_record_get_string(rec, "igvm-sha256", "");
	runs = cvm_record_get_string(md, "igvm-sha256", "");
	if (*runs == '\0' || strcmp(have, runs) == 0)
		goto out;
	for (guint i = 0; i < G_N_ELEMENTS(sets); i++) {
		if (g_strcmp0(cvm_record_get_string(rec, sets[i][1], NULL), runs) != 0)
			continue;
		/* the switch to set i ran to the domain's start; finish its write
		 * as switch_image() would have */
		g_autofree gchar *path = g_strdup(cvm_record_get_string(rec, sets[i][0], "")),
				 *measurement = g_strdup(cvm_record_get_string(rec, sets[i][2], "")),
				 *cur_path = g_strdup(cvm_record_get_string(rec, "igvm-path", "")),
				 *cur_md = g_strdup(cvm_record_get_string(rec, "expected-measurement", ""));
		g_autofree gchar *cur_sha = g_strdup(have), *new_sha = g_strdup(runs);

		json_object_object_add(rec, "previous-igvm-path", json_object_new_string(cur_path));
		json_object_object_add(rec, "previous-igvm-sha256", json_object_new_string(cur_sha));
		json_object_object_add(rec, "previous-measurement", json_object_new_string(cur_md));
		json_object_object_add(rec, "igvm-path", json_object_new_string(path));
		json_object_object_add(rec, "igvm-sha256", json_object_new_string(new_sha));
		json_object_object_add(rec, "expected-measurement", json_object_new_string(measurement));
		for (guint k = 0; k < 3; k++)
			json_object_object_del(rec, sets[0][k]);
		ok = cvm_state_write(state, "guests", name, rec, error);
		*changed = ok;
		break;
	}
out:
	json_object_put(md);
	json_object_put(rec);
	return ok;
}

gboolean
cvm_fwupdate_apply(virConnectPtr conn, CvmState *state, const char *name, GError **error)
{
	return switch_image(conn, state, name, "staged-igvm-path", error);
}

gboolean
cvm_fwupdate_rollback(virConnectPtr conn, CvmState *state, const char *name, GError **error)
{
	return switch_image(conn, state, name, "previous-igvm-path", error);
}

static json_object *
image_json(json_object *rec, const char *path, const char *sha, const char *md)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "igvm-path", json_object_new_string(cvm_record_get_string(rec, path, NULL) ? cvm_record_get_string(rec, path, NULL) : ""));
	json_object_object_add(o, "igvm-sha256", json_object_new_string(cvm_record_get_string(rec, sha, NULL) ? cvm_record_get_string(rec, sha, NULL) : ""));
	json_object_object_add(o, "expected-measurement", json_object_new_string(cvm_record_get_string(rec, md, NULL) ? cvm_record_get_string(rec, md, NULL) : ""));
	return o;
}

gchar *
cvm_fwupdate_status(CvmState *state, const char *name, GError **error)
{
	json_object *rec = cvm_state_read(state, "guests", name, error);
	json_object *o;
	gchar *out;

	if (rec == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "current", image_json(rec, "igvm-path", "igvm-sha256", "expected-measurement"));
	if (cvm_record_get_string(rec, "staged-igvm-path", NULL) != NULL)
		json_object_object_add(o, "staged",
				       image_json(rec, "staged-igvm-path", "staged-igvm-sha256", "staged-measurement"));
	if (cvm_record_get_string(rec, "previous-igvm-path", NULL) != NULL && *cvm_record_get_string(rec, "previous-igvm-path", NULL) != '\0')
		json_object_object_add(o, "previous",
				       image_json(rec, "previous-igvm-path", "previous-igvm-sha256", "previous-measurement"));
	out = g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	json_object_put(rec);
	return out;
}
