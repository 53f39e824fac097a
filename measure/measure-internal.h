/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What measure/ offers the other rooms inside the library: not installed,
 * not exported (cvmi_ prefix). The validator's id-block rule (igvm/validate.c)
 * is the one caller below measure/: checking an SNP ID block means computing
 * the digest it signs. */
#pragma once

#include <cvm/igvm.h>

/* The SEV-SNP digest of @igvm (default options) against its SNP_ID_BLOCK's
 * launch digest: NULL when they agree or the file has no SEV-SNP ID block,
 * else a message naming both values. */
gchar *cvmi_igvm_id_block_mismatch(const CvmIgvm *igvm);
