/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IGVM platform_type numbers and CvmPlatform, mapped once for the whole library. */
#include <cvm/igvm.h>

/* igvm_defs IgvmPlatformType; index: CvmPlatform. */
static const guint8 wire_of[CVM_PLATFORM_COUNT] = {
	[CVM_PLATFORM_AUTO] = CVM_IGVM_PLATFORM_WIRE_NONE,
	[CVM_PLATFORM_NATIVE] = 0,
	[CVM_PLATFORM_VSM] = 1,
	[CVM_PLATFORM_SEV_SNP] = 2,
	[CVM_PLATFORM_TDX] = 3,
	[CVM_PLATFORM_SEV] = 4,
	[CVM_PLATFORM_SEV_ES] = 5,
	[CVM_PLATFORM_CCA] = 6,
};

gboolean
cvm_igvm_platform_from_wire(guint8 wire, CvmPlatform *out)
{
	for (guint i = 0; i < G_N_ELEMENTS(wire_of); i++) {
		if (wire_of[i] == wire && wire != CVM_IGVM_PLATFORM_WIRE_NONE) {
			*out = (CvmPlatform)i;
			return TRUE;
		}
	}
	return FALSE;
}

guint8
cvm_igvm_platform_to_wire(CvmPlatform platform)
{
	return (guint)platform < G_N_ELEMENTS(wire_of) ? wire_of[platform] : CVM_IGVM_PLATFORM_WIRE_NONE;
}
