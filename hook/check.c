/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The launch check: the IGVM file's launch digest must be what the host
 * policy expects for this guest. */
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <cvm/measure.h>
#include <cvm/policy.h>
#include "hook/hook.h"

#define IGVM_MAX ((goffset)1 << 30)

static GBytes *
read_igvm(const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GMappedFile) mf = NULL;
	GStatBuf st;

	if (!g_path_is_absolute(path) || g_stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > IGVM_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "IGVM file %s is not an absolute path to a regular file of 1 byte .. 1 GiB",
			    path);
		return NULL;
	}
	mf = g_mapped_file_new(path, FALSE, &local);
	if (mf == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s", local->message);
		return NULL;
	}
	return g_mapped_file_get_bytes(mf);
}

/* One IGVM file of the domain. */
static gboolean
check_file(const HookDomain *dom, const char *path, const CvmPolicy *policy, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(CvmIgvm) igvm = NULL;
	CvmMeasureOptions opts;
	CvmDigest digest;

	/* The file must be readable and sane even when no digest is pinned. */
	bytes = read_igvm(path, error);
	if (bytes == NULL || (igvm = cvm_igvm_new_from_bytes(bytes, CVM_IGVM_NONE, error)) == NULL)
		return FALSE;
	if (dom->platform == NULL)
		return TRUE; /* native */
	cvm_measure_options_init(&opts);
	if (!cvm_platform_from_string(dom->platform, &opts.platform, error))
		return FALSE;
	if (opts.platform == CVM_PLATFORM_NATIVE)
		return TRUE; /* native guests have no launch digest to compare */
	if (!cvm_measure_platform_check(opts.platform, error))
		return FALSE;
	opts.vcpus = dom->vcpus;
	if (!cvm_measure_igvm_parsed(igvm, &opts, &digest, NULL, error)) {
		g_prefix_error(error, "cannot measure %s: ", path);
		return FALSE;
	}
	return cvm_policy_check_igvm(policy, dom->name, igvm, opts.platform, &digest, error);
}

gboolean
hook_check_domain(const HookDomain *dom, const CvmPolicy *policy, GError **error)
{
	/* A policy that applies to this guest makes an argument of unknown
	 * effect a refusal: it may load an IGVM file nobody checked. Without
	 * one every launch is allowed anyway. */
	if (dom->unclassified != NULL && (cvm_policy_has_launch_rules(policy, dom->name) ||
					  cvm_policy_has_id_key_rules(policy, dom->name))) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_POLICY_DENIED,
			    "qemu:commandline cannot be checked against the host policy: %s",
			    dom->unclassified);
		return FALSE;
	}
	for (guint i = 0; i < dom->igvm->len; i++)
		if (!check_file(dom, dom->igvm->pdata[i], policy, error))
			return FALSE;
	return TRUE;
}
