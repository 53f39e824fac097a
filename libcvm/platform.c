/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The platform vocabulary: the one name table of CvmPlatform and its converters. */
#include <cvm/error.h>
#include <cvm/platform.h>

static const char *const names[CVM_PLATFORM_COUNT] = {
	[CVM_PLATFORM_AUTO] = "auto",	      [CVM_PLATFORM_SEV_SNP] = "sev-snp", [CVM_PLATFORM_SEV_ES] = "sev-es",
	[CVM_PLATFORM_SEV] = "sev",	      [CVM_PLATFORM_TDX] = "tdx",	  [CVM_PLATFORM_NATIVE] = "native",
	[CVM_PLATFORM_VSM] = "vsm",	      [CVM_PLATFORM_CCA] = "cca",
};

const char *
cvm_platform_to_string(CvmPlatform platform)
{
	return (guint)platform < G_N_ELEMENTS(names) ? names[platform] : "unknown";
}

gboolean
cvm_platform_from_string(const char *name, CvmPlatform *out, GError **error)
{
	g_autoptr(GString) all = g_string_new(NULL);

	/* "snp" is what AMD's tools and older cvm releases accept. */
	if (name != NULL && g_ascii_strcasecmp(name, "snp") == 0) {
		*out = CVM_PLATFORM_SEV_SNP;
		return TRUE;
	}
	for (guint i = 0; name != NULL && i < G_N_ELEMENTS(names); i++) {
		if (g_ascii_strcasecmp(name, names[i]) == 0) {
			*out = (CvmPlatform)i;
			return TRUE;
		}
	}
	/* The platforms first, the request last: "auto" is not one of them. */
	for (guint i = CVM_PLATFORM_AUTO + 1; i < G_N_ELEMENTS(names); i++)
		g_string_append_printf(all, "%s%s", all->len ? ", " : "", names[i]);
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "unknown platform '%s' (expected %s or %s)",
		    name ? name : "", all->str, names[CVM_PLATFORM_AUTO]);
	return FALSE;
}

gboolean
cvm_platform_is_measurable(CvmPlatform platform)
{
	return platform >= CVM_PLATFORM_SEV_SNP && platform <= CVM_PLATFORM_TDX;
}
