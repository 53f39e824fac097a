/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* From a guest specification to a launch plan: checks, platform, expected
 * measurement, native translation, domain XML. Nothing is written here. */
#include "launch/launch-private.h"

#include <cvm/error.h>
#include <cvm/measure.h>
#include <cvm/policy.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>


static gboolean
spec_error(GError **error, gint code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
spec_error(GError **error, gint code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree gchar *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, CVM_ERROR, code, msg);
	return FALSE;
}

static gboolean
check_file(const char *what, const char *path, GError **error)
{
	GStatBuf st;

	if (path == NULL || !g_path_is_absolute(path))
		return spec_error(error, CVM_ERROR_INVALID_ARGUMENT, "%s must be an absolute path", what);
	if (g_stat(path, &st) < 0)
		return spec_error(error, CVM_ERROR_NOT_FOUND, "%s %s: %s", what, path, g_strerror(errno));
	if (!S_ISREG(st.st_mode))
		return spec_error(error, CVM_ERROR_INVALID_ARGUMENT, "%s %s is not a regular file", what, path);
	return TRUE;
}

static gboolean
check_spec(const CvmGuestSpec *spec, GError **error)
{
	guint64 mem = spec->memory_bytes ? spec->memory_bytes : CVM_LAUNCH_DEFAULT_MEMORY;

	if (!cvm_name_check("guest name", spec->name, error))
		return FALSE;
	if (mem < CVM_LAUNCH_MIN_MEMORY || mem > CVM_LAUNCH_MAX_MEMORY || mem % (1u << 20) != 0)
		return spec_error(error, CVM_ERROR_INVALID_ARGUMENT,
				  "memory %" G_GUINT64_FORMAT " bytes is out of range: allowed a multiple of 1 MiB "
				  "between 16 MiB and 4 TiB", mem);
	if ((guint)spec->accel > CVM_LAUNCH_ACCEL_TCG)
		return spec_error(error, CVM_ERROR_INVALID_ARGUMENT, "unknown accelerator %d", (int)spec->accel);
	if (spec->vcpus > CVM_LAUNCH_MAX_VCPUS)
		return spec_error(error, CVM_ERROR_INVALID_ARGUMENT, "%u vCPUs is out of range: allowed 1-%u",
				  spec->vcpus, CVM_LAUNCH_MAX_VCPUS);
	if (spec->network != NULL && !cvm_name_check("network name", spec->network, error))
		return FALSE;
	if (spec->serial_log != NULL && !g_path_is_absolute(spec->serial_log))
		return spec_error(error, CVM_ERROR_INVALID_ARGUMENT, "the serial log must be an absolute path");
	return check_file("IGVM file", spec->igvm_path, error) &&
	       (spec->disk == NULL || check_file("disk image", spec->disk, error));
}

/* SNP policy from the spec or the file's GUEST_POLICY, and the ID block. */
static void
snp_settings(CvmLaunchPlan *plan, const CvmIgvm *igvm, const CvmGuestSpec *spec)
{
	guint32 mask = cvm_igvm_platform_mask(igvm, CVM_PLATFORM_SEV_SNP);
	CvmIgvmPlatformIter iter;
	CvmIgvmHeader h;

	plan->snp_policy = 0x30000; /* SMT allowed + the must-be-one bit 17 */
	cvm_igvm_platform_iter_init(&iter, igvm, mask);
	while (cvm_igvm_platform_iter_next(&iter, &h)) {
		const CvmIgvmGuestPolicy *gp = cvm_igvm_header_guest_policy(&h);
		const CvmIgvmSnpIdBlock *id = cvm_igvm_header_snp_id_block(&h);
		if (gp != NULL)
			plan->snp_policy = cvm_le64(gp->policy);
		if (id != NULL) {
			plan->has_id_block = TRUE;
			plan->id_author_key = id->author_key_enabled != 0;
			cvm_snp_id_block_for_launch(id, 0, plan->id_block, plan->id_auth);
		}
	}
	if (spec->has_snp_policy)
		plan->snp_policy = spec->snp_policy;
	if (plan->has_id_block) {
		/* The ID block carries the policy the launch uses. */
		guint64 le = GUINT64_TO_LE(plan->snp_policy);
		memcpy(plan->id_block + 0x58, &le, 8);
	}
}

static gboolean
measure(CvmLaunchPlan *plan, const CvmIgvm *igvm, GError **error)
{
	CvmMeasureOptions opts;
	CvmDigest digest;

	if (plan->platform == CVM_PLATFORM_NATIVE)
		return TRUE; /* nothing measures a native launch */
	cvm_measure_options_init(&opts);
	opts.platform = plan->platform;
	opts.vcpus = plan->vcpus;
	if (!cvm_measure_igvm_parsed(igvm, &opts, &digest, NULL, error)) {
		g_prefix_error(error, "cannot compute the expected launch measurement: ");
		return FALSE;
	}
	plan->md.measurement = cvm_digest_to_hex(&digest);
	plan->digest = digest;
	plan->has_digest = TRUE;
	return TRUE;
}

static gboolean
plan_native(CvmLaunchPlan *plan, const CvmIgvm *igvm, const CvmGuestSpec *spec, GError **error)
{
	CvmNativeOptions opts = {plan->memory_bytes, plan->vcpus, spec->command_line};

	plan->native = cvm_native_plan_new(igvm, &opts, error);
	if (plan->native == NULL)
		return FALSE;
	plan->firmware_dir = g_build_filename(plan->guest_dir, "firmware", NULL);
	cvm_native_plan_set_dir(plan->native, plan->firmware_dir);
	for (const char *const *w = cvm_native_plan_get_warnings(plan->native); *w != NULL; w++)
		g_ptr_array_insert(plan->warnings, plan->warnings->len - 1, g_strdup(*w));
	return TRUE;
}

static gboolean
fill(CvmLaunchPlan *plan, const CvmGuestSpec *spec, GError **error)
{
	guint flags = plan->host.qemu_igvm ? CVM_IGVM_FOR_QEMU : CVM_IGVM_NONE;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_open(spec->igvm_path, flags, error);
	gsize len;

	if (igvm == NULL)
		return FALSE;
	if (!cvmi_launch_choose_accel(spec->accel, spec->platform, &plan->host, &plan->accel, error))
		return FALSE;
	if (!cvmi_launch_choose_platform(igvm, &plan->host, spec->platform, &plan->platform, error))
		return FALSE;
	plan->strategy = plan->host.qemu_igvm ? CVM_LAUNCH_STRATEGY_IGVM_CFG : CVM_LAUNCH_STRATEGY_NATIVE_TRANSLATE;
	if (!cvmi_launch_svsm_args(spec, &plan->host, plan->platform, plan->strategy, &plan->svsm_args, error))
		return FALSE;
	const guint8 *data = cvm_igvm_get_data(igvm, &len);
	plan->md.igvm_path = g_strdup(spec->igvm_path);
	plan->md.igvm_sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	plan->md.platform = g_strdup(cvm_platform_to_string(plan->platform));
	plan->md.strategy = g_strdup(cvm_launch_strategy_to_string(plan->strategy));
	if (plan->platform == CVM_PLATFORM_SEV_SNP)
		snp_settings(plan, igvm, spec);
	if (!measure(plan, igvm, error))
		return FALSE;
	if (plan->strategy == CVM_LAUNCH_STRATEGY_NATIVE_TRANSLATE && !plan_native(plan, igvm, spec, error))
		return FALSE;
	if (!cvmi_launch_build_xml(plan, error))
		return FALSE;
	plan->igvm = g_steal_pointer(&igvm);
	return TRUE;
}

CvmLaunchPlan *
cvm_launch_plan_new(const CvmGuestSpec *spec, const CvmHostInfo *host, const char *guest_dir, GError **error)
{
	g_autoptr(CvmLaunchPlan) plan = NULL;

	if (!check_spec(spec, error))
		return NULL;
	if (guest_dir == NULL || !g_path_is_absolute(guest_dir)) {
		spec_error(error, CVM_ERROR_INVALID_ARGUMENT, "the guest directory must be an absolute path");
		return NULL;
	}
	plan = g_new0(CvmLaunchPlan, 1);
	plan->warnings = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(plan->warnings, NULL);
	plan->name = g_strdup(spec->name);
	plan->memory_bytes = spec->memory_bytes ? spec->memory_bytes : CVM_LAUNCH_DEFAULT_MEMORY;
	plan->vcpus = spec->vcpus ? spec->vcpus : 1;
	plan->disk = g_strdup(spec->disk);
	plan->network = g_strdup(spec->network);
	plan->guest_dir = g_strdup(guest_dir);
	plan->serial_log = spec->serial_log ? g_strdup(spec->serial_log)
					    : g_build_filename(guest_dir, "serial.log", NULL);
	plan->host = *host;
	if (!fill(plan, spec, error))
		return NULL;
	return g_steal_pointer(&plan);
}

void
cvm_launch_plan_free(CvmLaunchPlan *plan)
{
	if (plan == NULL)
		return;
	g_free(plan->name);
	g_free(plan->disk);
	g_free(plan->network);
	g_free(plan->guest_dir);
	g_free(plan->serial_log);
	g_free(plan->firmware_dir);
	cvm_launch_metadata_clear(&plan->md);
	g_clear_pointer(&plan->native, cvm_native_plan_free);
	g_clear_pointer(&plan->igvm, cvm_igvm_free);
	g_ptr_array_unref(plan->warnings);
	g_free(plan->xml);
	g_strfreev(plan->svsm_args);
	g_free(plan);
}

const char *
cvm_launch_plan_get_xml(const CvmLaunchPlan *plan)
{
	return plan->xml;
}

CvmPlatform
cvm_launch_plan_get_platform(const CvmLaunchPlan *plan)
{
	return plan->platform;
}

CvmLaunchStrategy
cvm_launch_plan_get_strategy(const CvmLaunchPlan *plan)
{
	return plan->strategy;
}

CvmLaunchAccel
cvm_launch_plan_get_accel(const CvmLaunchPlan *plan)
{
	return plan->accel;
}

const CvmLaunchMetadata *
cvm_launch_plan_get_metadata(const CvmLaunchPlan *plan)
{
	return &plan->md;
}

const char *
cvm_launch_plan_get_serial_log(const CvmLaunchPlan *plan)
{
	return plan->serial_log;
}

const char *const *
cvm_launch_plan_get_warnings(const CvmLaunchPlan *plan)
{
	return (const char *const *)plan->warnings->pdata;
}

gboolean
cvm_launch_plan_check_policy(const CvmLaunchPlan *plan, const CvmPolicy *policy, GError **error)
{
	return cvm_policy_check_igvm(policy, plan->name, plan->igvm, plan->platform,
				     plan->has_digest ? &plan->digest : NULL, error);
}

gboolean
cvm_launch_plan_write_files(CvmLaunchPlan *plan, GError **error)
{
	if (g_mkdir_with_parents(plan->guest_dir, 0711) < 0)
		return spec_error(error, CVM_ERROR_IO, "cannot create %s: %s", plan->guest_dir, g_strerror(errno));
	if (plan->native != NULL && !cvm_native_plan_write(plan->native, plan->firmware_dir, error)) {
		g_rmdir(plan->guest_dir);
		return FALSE;
	}
	return TRUE;
}
