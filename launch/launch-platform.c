/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which platform a guest is launched as, and how its file gets loaded:
 * the file's platforms against what this host's libvirt and QEMU offer. */
#include "launch/launch-private.h"

#include <cvm/error.h>
#include <cvm/native-load.h>

/* What cvmctl host and HostInfo list, in this order. */
static const CvmPlatform launchable[] = {
	CVM_PLATFORM_NATIVE, CVM_PLATFORM_SEV, CVM_PLATFORM_SEV_ES, CVM_PLATFORM_SEV_SNP, CVM_PLATFORM_TDX,
	CVM_PLATFORM_AUTO,
};

const CvmPlatform *
cvm_launch_platforms(void)
{
	return launchable;
}

gboolean
cvm_launch_platform_check(CvmPlatform platform, GError **error)
{
	g_autoptr(GString) all = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(launchable); i++) {
		if (launchable[i] == platform)
			return TRUE;
		g_string_append_printf(all, "%s%s", i ? ", " : "", cvm_platform_to_string(launchable[i]));
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "a guest cannot be launched as %s (%s)",
		    cvm_platform_to_string(platform), all->str);
	return FALSE;
}

const char *
cvm_launch_strategy_to_string(CvmLaunchStrategy strategy)
{
	return strategy == CVM_LAUNCH_STRATEGY_IGVM_CFG ? "igvm-cfg" : "native-translate";
}

gchar *
cvmi_launch_version_string(gulong v)
{
	return g_strdup_printf("%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
}

/* NULL when the host can run @p, else why not. */
static gchar *
host_lacks(const CvmHostInfo *host, CvmPlatform p)
{
	g_autofree gchar *qemu = cvmi_launch_version_string(host->qemu_version);
	g_autofree gchar *libvirt = cvmi_launch_version_string(host->libvirt_version);
	/* libvirt before 10.5 has no way to report SEV-SNP: try it where SEV is. */
	gboolean snp = host->sev_snp || (host->libvirt_version < CVM_HOST_LIBVIRT_SNP_ID_VERSION && host->sev);
	gboolean feature = p == CVM_PLATFORM_SEV_SNP ? snp
			   : p == CVM_PLATFORM_SEV || p == CVM_PLATFORM_SEV_ES ? host->sev
											      : TRUE;

	if (p == CVM_PLATFORM_NATIVE)
		return NULL;
	if (p == CVM_PLATFORM_VSM || p == CVM_PLATFORM_CCA)
		return g_strdup_printf("cvm does not launch %s guests", cvm_platform_to_string(p));
	if (p == CVM_PLATFORM_TDX)
		return g_strdup("QEMU's IGVM loader does not support TDX (no QEMU release does)");
	if (!host->qemu_igvm)
		return g_strdup_printf("%s needs QEMU 10.1 or newer with IGVM support (igvm-cfg); this host has "
				       "QEMU %s", cvm_platform_to_string(p), qemu);
	if (!feature)
		return g_strdup_printf("libvirt %s reports no %s support on this host (domain capabilities%s)",
				       libvirt, p == CVM_PLATFORM_SEV_SNP ? "SEV-SNP" : "SEV",
				       p == CVM_PLATFORM_SEV_SNP && host->libvirt_version < 10005000
					       ? "; libvirt before 10.5.0 cannot report SEV-SNP"
					       : "");
	return NULL;
}

gboolean
cvm_launch_host_supports(const CvmHostInfo *host, CvmPlatform platform, gchar **why)
{
	gchar *reason = platform == CVM_PLATFORM_AUTO ? NULL : host_lacks(host, platform);

	if (why != NULL)
		*why = reason;
	else
		g_free(reason);
	return platform != CVM_PLATFORM_AUTO && reason == NULL;
}

static gboolean
choose_forced(const CvmIgvm *igvm, const CvmHostInfo *host, CvmPlatform p, GError **error)
{
	if (cvm_igvm_find_platform(igvm, p) == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "the IGVM file has no %s platform",
			    cvm_platform_to_string(p));
		return FALSE;
	}
	g_autofree gchar *why = host_lacks(host, p);
	if (why != NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "cannot launch as %s: %s",
			    cvm_platform_to_string(p), why);
		return FALSE;
	}
	return TRUE;
}

gboolean
cvmi_launch_choose_platform(const CvmIgvm *igvm, const CvmHostInfo *host, CvmPlatform wanted,
			    CvmPlatform *out, GError **error)
{
	static const CvmPlatform order[] = {
		CVM_PLATFORM_SEV_SNP, CVM_PLATFORM_SEV_ES, CVM_PLATFORM_SEV,
		CVM_PLATFORM_TDX,     CVM_PLATFORM_NATIVE,
	};
	g_autoptr(GString) reasons = g_string_new(NULL);

	if (wanted != CVM_PLATFORM_AUTO) {
		*out = wanted;
		return choose_forced(igvm, host, wanted, error);
	}
	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		if (cvm_igvm_find_platform(igvm, order[i]) == NULL)
			continue;
		g_autofree gchar *why = host_lacks(host, order[i]);
		if (why == NULL) {
			*out = order[i];
			return TRUE;
		}
		g_string_append_printf(reasons, "%s%s", reasons->len ? "; " : "", why);
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "no platform of the IGVM file can run on this host%s%s",
		    reasons->len ? ": " : " (the file declares none cvm can launch)", reasons->str);
	return FALSE;
}
