/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host policy applied to an IGVM file about to be launched: one check
 * shared by the libvirt hook and the launch library, so a guest started with
 * virsh and one started by cvm meet the same rules. */
#include <cvm/error.h>
#include <cvm/measure.h>
#include <cvm/policy.h>

static const CvmIgvmSnpIdBlock *
snp_id_block(const CvmIgvm *igvm)
{
	guint32 mask = cvm_igvm_platform_mask(igvm, CVM_PLATFORM_SEV_SNP);
	CvmIgvmPlatformIter iter;
	CvmIgvmHeader h;

	cvm_igvm_platform_iter_init(&iter, igvm, mask);
	while (mask != 0 && cvm_igvm_platform_iter_next(&iter, &h))
		if (cvm_igvm_header_snp_id_block(&h) != NULL)
			return cvm_igvm_header_snp_id_block(&h);
	return NULL;
}

gboolean
cvm_policy_check_igvm(const CvmPolicy *policy, const char *guest, const CvmIgvm *igvm,
		      CvmPlatform platform, const CvmDigest *digest, GError **error)
{
	const CvmIgvmSnpIdBlock *id;
	guint8 key[48];

	if (digest != NULL && !cvm_policy_check_launch_digest(policy, guest, digest->bytes, digest->len, error))
		return FALSE;
	if (platform != CVM_PLATFORM_SEV_SNP)
		return TRUE;
	id = snp_id_block(igvm);
	if (id == NULL) {
		if (!cvm_policy_has_id_key_rules(policy, guest))
			return TRUE;
		g_set_error(error, CVM_ERROR, CVM_ERROR_POLICY_DENIED,
			    "host policy allows only SNP ID blocks signed by listed keys for guest %s, and the "
			    "IGVM file has no ID block", guest ? guest : "(any)");
		return FALSE;
	}
	if (!cvm_snp_id_key_digest(id, key)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO, "cannot hash the ID block's public key");
		return FALSE;
	}
	return cvm_policy_check_id_key(policy, guest, key, sizeof(key), error);
}
