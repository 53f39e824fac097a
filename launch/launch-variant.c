/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest specification as the a{sv} that LaunchGuest takes
 * (docs/dbus/README.md), so cvmctl and cvmd share one mapping. */
#include "launch/launch-private.h"

#include <cvm/error.h>
#include <string.h>

static gboolean
bad_key(GError **error, const char *key, const char *type)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "launch spec: \"%s\" must be of type %s", key, type);
	return FALSE;
}

/* Borrowed string of @key, NULL if absent; FALSE if present with a wrong type. */
static gboolean
get_str(GVariantDict *d, const char *key, const char **out, GError **error)
{
	g_autoptr(GVariant) v = g_variant_dict_lookup_value(d, key, NULL);

	*out = NULL;
	if (v == NULL)
		return TRUE;
	if (!g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
		return bad_key(error, key, "s");
	*out = g_variant_get_string(v, NULL);
	return TRUE;
}

static gboolean
get_num(GVariantDict *d, const char *key, const GVariantType *type, guint64 *out, gboolean *present, GError **error)
{
	g_autoptr(GVariant) v = g_variant_dict_lookup_value(d, key, NULL);

	*present = v != NULL;
	if (v == NULL)
		return TRUE;
	if (!g_variant_is_of_type(v, type))
		return bad_key(error, key, g_variant_type_peek_string(type));
	*out = g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32) ? g_variant_get_uint32(v) : g_variant_get_uint64(v);
	return TRUE;
}

static const char *const known_keys[] = {
	"name", "igvm", "memory-mib", "vcpus", "platform", "snp-policy",
	"serial-log", "disk", "network", "command-line", "accel", "svsm-devices", NULL,
};

gboolean
cvm_guest_spec_from_variant(GVariant *spec, CvmGuestSpec *out, GError **error)
{
	g_autoptr(GVariantDict) d = NULL;
	GVariantIter it;
	const char *key, *platform = NULL, *accel = NULL;
	guint64 mib = 0, vcpus = 0;
	gboolean has_mib, has_vcpus;

	memset(out, 0, sizeof(*out));
	if (!g_variant_is_of_type(spec, G_VARIANT_TYPE_VARDICT))
		return bad_key(error, "spec", "a{sv}");
	g_variant_iter_init(&it, spec);
	while (g_variant_iter_next(&it, "{&sv}", &key, NULL))
		if (!g_strv_contains(known_keys, key)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "launch spec: unknown key \"%s\"", key);
			return FALSE;
		}
	d = g_variant_dict_new(spec);
	if (!get_str(d, "name", &out->name, error) || !get_str(d, "igvm", &out->igvm_path, error) ||
	    !get_str(d, "platform", &platform, error) || !get_str(d, "serial-log", &out->serial_log, error) ||
	    !get_str(d, "disk", &out->disk, error) || !get_str(d, "network", &out->network, error) ||
	    !get_str(d, "command-line", &out->command_line, error) || !get_str(d, "accel", &accel, error) ||
	    !get_num(d, "memory-mib", G_VARIANT_TYPE_UINT64, &mib, &has_mib, error) ||
	    !get_num(d, "vcpus", G_VARIANT_TYPE_UINT32, &vcpus, &has_vcpus, error) ||
	    !get_num(d, "snp-policy", G_VARIANT_TYPE_UINT64, &out->snp_policy, &out->has_snp_policy, error))
		return FALSE;
	if (out->name == NULL || out->igvm_path == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "launch spec: \"name\" and \"igvm\" are required");
		return FALSE;
	}
	g_autoptr(GVariant) svsm = g_variant_dict_lookup_value(d, "svsm-devices", NULL);
	if (svsm != NULL && !g_variant_is_of_type(svsm, G_VARIANT_TYPE_STRING_ARRAY))
		return bad_key(error, "svsm-devices", "as");
	if (mib > (G_GUINT64_CONSTANT(1) << 22)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "launch spec: memory-mib is too large");
		return FALSE;
	}
	out->memory_bytes = mib << 20;
	out->vcpus = (guint)vcpus;
	if ((platform != NULL && (!cvm_platform_from_string(platform, &out->platform, error) ||
				  !cvm_launch_platform_check(out->platform, error))) ||
	    (accel != NULL && !cvm_launch_accel_from_string(accel, &out->accel, error)))
		return FALSE;
	/* Last, so that no failure leaves it allocated. */
	if (svsm != NULL)
		out->svsm_devices = g_variant_get_strv(svsm, NULL);
	return TRUE;
}

static void
add_str(GVariantBuilder *b, const char *key, const char *value)
{
	if (value != NULL)
		g_variant_builder_add(b, "{sv}", key, g_variant_new_string(value));
}

GVariant *
cvm_guest_spec_to_variant(const CvmGuestSpec *spec)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	add_str(&b, "name", spec->name);
	add_str(&b, "igvm", spec->igvm_path);
	if (spec->memory_bytes != 0)
		g_variant_builder_add(&b, "{sv}", "memory-mib", g_variant_new_uint64(spec->memory_bytes >> 20));
	if (spec->vcpus != 0)
		g_variant_builder_add(&b, "{sv}", "vcpus", g_variant_new_uint32(spec->vcpus));
	if (spec->platform != CVM_PLATFORM_AUTO)
		add_str(&b, "platform", cvm_platform_to_string(spec->platform));
	if (spec->has_snp_policy)
		g_variant_builder_add(&b, "{sv}", "snp-policy", g_variant_new_uint64(spec->snp_policy));
	add_str(&b, "serial-log", spec->serial_log);
	add_str(&b, "disk", spec->disk);
	add_str(&b, "network", spec->network);
	add_str(&b, "command-line", spec->command_line);
	if (spec->accel != CVM_LAUNCH_ACCEL_AUTO)
		add_str(&b, "accel", cvm_launch_accel_to_string(spec->accel));
	if (spec->svsm_devices != NULL && spec->svsm_devices[0] != NULL)
		g_variant_builder_add(&b, "{sv}", "svsm-devices", g_variant_new_strv(spec->svsm_devices, -1));
	return g_variant_builder_end(&b);
}
