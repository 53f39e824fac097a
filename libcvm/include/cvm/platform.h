/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CvmPlatform:
 * @CVM_PLATFORM_AUTO: not a platform but a request: the best platform the
 *   IGVM file and the host both support (launch picks SEV-SNP, then SEV-ES,
 *   SEV, TDX, NATIVE). It is 0 so that a zero-initialised request
 *   (CvmGuestSpec) asks for it; functions that need a concrete platform
 *   (measurement, the IGVM format, firmware descriptors) refuse it.
 * @CVM_PLATFORM_SEV_SNP: AMD SEV-SNP ("sev-snp"; "snp" is read as an alias)
 * @CVM_PLATFORM_SEV_ES: AMD SEV-ES ("sev-es")
 * @CVM_PLATFORM_SEV: AMD SEV ("sev")
 * @CVM_PLATFORM_TDX: Intel TDX ("tdx")
 * @CVM_PLATFORM_NATIVE: no isolation ("native")
 * @CVM_PLATFORM_VSM: Hyper-V VSM isolation ("vsm"); IGVM files may declare
 *   it, cvm neither launches nor measures it
 * @CVM_PLATFORM_CCA: Arm CCA ("cca"); as for VSM
 *
 * The one platform vocabulary of cvm: what an IGVM file declares
 * (cvm_igvm_platform_from_wire() maps the file's platform_type numbers),
 * what a digest is computed for, what a guest is launched as and the names
 * users see on the command line, in JSON and on D-Bus.
 *
 * Auto lives in the same enum, rather than in a launch-only type, because
 * a launch request, a guest record and the CLI all carry "a platform or
 * auto" through the same code, and one name table then serves them all.
 * The measurable platforms (SEV_SNP to TDX) are contiguous.
 */
typedef enum {
	CVM_PLATFORM_AUTO = 0,
	CVM_PLATFORM_SEV_SNP,
	CVM_PLATFORM_SEV_ES,
	CVM_PLATFORM_SEV,
	CVM_PLATFORM_TDX,
	CVM_PLATFORM_NATIVE,
	CVM_PLATFORM_VSM,
	CVM_PLATFORM_CCA,
} CvmPlatform;

/** One past the last CvmPlatform value. */
#define CVM_PLATFORM_COUNT (CVM_PLATFORM_CCA + 1)

/**
 * cvm_platform_to_string:
 * @platform: a platform or CVM_PLATFORM_AUTO
 *
 * Returns: (transfer none): its name ("sev-snp", "sev-es", "sev", "tdx",
 *   "native", "vsm", "cca" or "auto"), "unknown" for a value out of range.
 */
const char *cvm_platform_to_string(CvmPlatform platform);

/**
 * cvm_platform_from_string:
 * @name: a name cvm_platform_to_string() returns, in any case, or "snp"
 * @out: (out): the platform; CVM_PLATFORM_AUTO for "auto"
 * @error: CVM_ERROR_INVALID_ARGUMENT "unknown platform" listing the names
 *
 * Callers that need a concrete platform refuse CVM_PLATFORM_AUTO (and the
 * platforms they cannot handle) themselves, saying which they take.
 *
 * Returns: whether @name names a platform.
 */
gboolean cvm_platform_from_string(const char *name, CvmPlatform *out, GError **error);

/**
 * cvm_platform_is_measurable:
 * @platform: a CvmPlatform
 *
 * Returns: whether cvm computes launch digests for @platform (SEV-SNP,
 *   SEV-ES, SEV, TDX).
 */
gboolean cvm_platform_is_measurable(CvmPlatform platform);

G_END_DECLS
