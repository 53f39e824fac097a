/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signing an IGVM file with an SNP ID block, and checking one. */
#include "measure/measure-private.h"

#include <cvm/error.h>
#include <string.h>

#define DEFAULT_SNP_POLICY 0x30000ull

static gboolean
snp_ops(GBytes *file, const CvmMeasureOptions *opts, CvmMeasureOptions *snp, CvmiMeasureOps *ops,
	CvmDigest *digest, GError **error)
{
	*snp = *opts;
	snp->platform = CVM_PLATFORM_SEV_SNP;
	snp->trace = NULL;
	if (!cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), snp, digest, NULL, error))
		return FALSE;
	return cvmi_igvm_ops(g_bytes_get_data(file, NULL), g_bytes_get_size(file), snp, ops, error);
}

GBytes *
cvm_igvm_sign(GBytes *file, const CvmMeasureOptions *opts, const CvmIdBlockParams *params, GError **error)
{
	CvmMeasureOptions snp;
	CvmiMeasureOps ops;
	CvmDigest digest;
	CvmIgvmSnpIdBlock block = { 0 };

	if (!snp_ops(file, opts, &snp, &ops, &digest, error))
		return NULL;
	guint64 policy = ops.has_policy ? ops.policy : DEFAULT_SNP_POLICY;
	guint32 mask = ops.mask;
	gboolean signed_already = ops.has_id_block;
	cvmi_measure_ops_clear(&ops);
	if (signed_already) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_EXISTS, "the file already has an SNP_ID_BLOCK");
		return NULL;
	}
	memcpy(block.ld, digest.bytes, 48);
	memcpy(block.family_id, params->family_id, 16);
	memcpy(block.image_id, params->image_id, 16);
	block.guest_svn = GUINT32_TO_LE(params->guest_svn);
	if (!cvmi_id_block_fill(&block, policy, params->id_key, params->author_key, error))
		return NULL;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new_from_bytes(file, error);
	if (b == NULL || !cvm_igvm_builder_add_snp_id_block(b, mask, &block, error))
		return NULL;
	return cvm_igvm_builder_write_bytes(b, error);
}

gboolean
cvm_igvm_verify(GBytes *file, const CvmMeasureOptions *opts, CvmDigest *digest_out, GError **error)
{
	CvmMeasureOptions snp;
	CvmiMeasureOps ops;
	CvmDigest digest;
	CvmIgvmSnpIdBlock block;

	if (!snp_ops(file, opts, &snp, &ops, &digest, error))
		return FALSE;
	gboolean has = ops.has_id_block;
	guint64 policy = ops.has_policy ? ops.policy : DEFAULT_SNP_POLICY;
	if (has)
		memcpy(&block, ops.id_block, sizeof(block));
	cvmi_measure_ops_clear(&ops);
	if (digest_out)
		*digest_out = digest;
	if (!has) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "the file has no SNP_ID_BLOCK for SEV-SNP");
		return FALSE;
	}
	if (memcmp(block.ld, digest.bytes, 48) != 0) {
		CvmDigest ld = {.platform = digest.platform, .len = sizeof(block.ld)};
		memcpy(ld.bytes, block.ld, sizeof(block.ld));
		g_autofree gchar *want = cvm_digest_to_hex(&ld), *got = cvm_digest_to_hex(&digest);
		g_set_error(error, CVM_ERROR, CVM_ERROR_MEASUREMENT_MISMATCH,
			    "the ID block's launch digest %s differs from the file's SNP digest %s", want, got);
		return FALSE;
	}
	return cvmi_id_block_verify(&block, policy, error);
}
