/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Explaining a launch digest: which launch parameters, with the same firmware
 * or IGVM file, give the digest a real attestation report carries
 * (docs/measurement.md, "Explaining a digest"). */
#pragma once

#include <glib.h>
#include <cvm/measure.h>

G_BEGIN_DECLS

/** Highest vCPU count the OVMF search tries unless told otherwise. */
#define CVM_EXPLAIN_OVMF_VCPUS 64
/** Highest vCPU count the IGVM search tries unless told otherwise. */
#define CVM_EXPLAIN_IGVM_VCPUS 512

/**
 * CvmExplain:
 *
 * The outcome of a search: the candidates that reproduce the digest, the
 * candidates nearest to the given parameters, and what was tried.
 */
typedef struct _CvmExplain CvmExplain;

/**
 * cvm_measure_explain_ovmf:
 * @firmware: the OVMF image
 * @len: its size
 * @given: the parameters the caller believes in (platform ignored: the
 *   digest's length picks SEV-SNP and TDX, or SEV-ES and SEV); the search
 *   varies vCPU count, vCPU signature, SNP sev_features, VMM type, the APs'
 *   reset EIP and which of @given's kernel/initrd/append enter the hash table
 * @digest: the digest to explain (32 or 48 bytes)
 * @len_digest: its length
 * @max_vcpus: highest vCPU count tried; 0 means CVM_EXPLAIN_OVMF_VCPUS
 * @error: CVM_ERROR_INVALID_ARGUMENT for a digest of another length, the
 *   measurement's errors when the firmware cannot be measured at all
 *
 * Returns: (transfer full): the outcome, or NULL with @error set. "No match"
 *   is an outcome, not an error.
 */
CvmExplain *cvm_measure_explain_ovmf(const guint8 *firmware, gsize len, const CvmMeasureOptions *given,
				     const guint8 *digest, gsize len_digest, guint max_vcpus, GError **error);

/**
 * cvm_measure_explain_igvm:
 * @data: an IGVM file
 * @len: its size
 * @given: the parameters the caller believes in; the search varies the vCPU
 *   count, BSP-only against one VMSA per vCPU, native-zero pages and
 *   one-page parameter areas
 * @digest: the digest to explain
 * @len_digest: its length
 * @max_vcpus: highest vCPU count tried; 0 means CVM_EXPLAIN_IGVM_VCPUS
 *
 * Returns: (transfer full): the outcome, or NULL with @error set.
 */
CvmExplain *cvm_measure_explain_igvm(const guint8 *data, gsize len, const CvmMeasureOptions *given,
				     const guint8 *digest, gsize len_digest, guint max_vcpus, GError **error);

/**
 * cvm_explain_get_match:
 * @e: an outcome
 * @index: 0 for the first match
 *
 * Returns: (transfer none): the parameters of match @index (platform set),
 *   or NULL past the last one (no match at all: NULL for 0).
 */
const CvmMeasureOptions *cvm_explain_get_match(const CvmExplain *e, guint index);

/**
 * cvm_explain_get_candidates:
 *
 * Returns: how many parameter sets the search measured.
 */
guint64 cvm_explain_get_candidates(const CvmExplain *e);

/**
 * cvm_explain_to_text:
 * @e: an outcome
 * @command: the command a reproducing line starts with, e.g.
 *   "cvmctl measure --ovmf OVMF.fd"; the options of each candidate follow it
 *
 * Returns: (transfer full): the matches with the command line reproducing
 *   each, or the nearest candidates with their digests; then what was tried.
 */
gchar *cvm_explain_to_text(const CvmExplain *e, const char *command);

/**
 * cvm_explain_to_json:
 *
 * Returns: (transfer full): {"digest", "match": bool, "matches": [...],
 *   "nearest": [...], "tried": {...}, "candidates": N}; each candidate has
 *   "platform", "parameters", "digest" and "command".
 */
gchar *cvm_explain_to_json(const CvmExplain *e, const char *command);

void cvm_explain_free(CvmExplain *e);

/**
 * cvm_measure_options_to_args:
 * @opts: measurement options
 * @igvm: the options of "cvmctl igvm measure" (else of "cvmctl measure")
 *
 * Returns: (transfer full): the cvmctl options that reproduce @opts, shell
 *   quoted, each after a space ("" for the defaults).
 */
gchar *cvm_measure_options_to_args(const CvmMeasureOptions *opts, gboolean igvm);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmExplain, cvm_explain_free)

G_END_DECLS
