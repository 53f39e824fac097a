/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Host policy: what this host accepts to launch and to install as a firmware
 * update. Read from /etc/cvm/policy.d/ *.json (format in docs/policy.md).
 *
 * A policy holds, globally and per guest name:
 *  - expected launch digests (SNP/TDX: 48 bytes, SEV: 32 bytes),
 *  - allowed SNP ID-block keys, named by the SHA-384 digest of the public key
 *    (the value SNP reports as ID_KEY_DIGEST),
 *  - a maximum firmware-update size in bytes.
 * A per-guest list replaces the global list of the same kind for that guest.
 * Users: the libvirt hook (launch digests, ID keys) and the firmware-update
 * engine (acceptance of a new image: digest, ID key, size).
 */

#include <glib.h>
#include <stdint.h>
#include <cvm/error.h>
#include <cvm/igvm.h>
#include <cvm/measure.h>

G_BEGIN_DECLS

/* Firmware updates larger than this are refused when no policy sets a limit. */
#define CVM_POLICY_DEFAULT_MAX_UPDATE_SIZE (64u * 1024u * 1024u)

typedef struct _CvmPolicy CvmPolicy;

/**
 * cvm_policy_default_dir:
 *
 * Returns: (transfer full): $CVM_POLICY_DIR if set, else SYSCONFDIR/cvm/policy.d.
 */
gchar *cvm_policy_default_dir(void);

/**
 * cvm_policy_new:
 *
 * Returns: (transfer full): an empty policy (no digest or key rules, default
 * update size limit). An empty policy allows every launch digest and ID key
 * unless cvm_policy_set_require() is used.
 */
CvmPolicy *cvm_policy_new(void);

void cvm_policy_free(CvmPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmPolicy, cvm_policy_free)

/**
 * cvm_policy_load_dir:
 * @dir: a policy.d directory; a missing directory is an empty policy
 * @error: return location for a #GError
 *
 * Merges every "*.json" file of @dir in lexical order (lists are appended;
 * a later "max-update-size" overrides an earlier one). Any malformed file
 * fails the whole load (fail closed), the error names the file.
 *
 * Returns: (transfer full): the policy, or %NULL with @error set.
 */
CvmPolicy *cvm_policy_load_dir(const char *dir, GError **error);

/**
 * cvm_policy_merge_json:
 * @policy: the policy to extend
 * @data: JSON text (not necessarily NUL-terminated)
 * @len: length of @data
 * @source: name used in error messages (file name)
 * @error: return location for a #GError
 *
 * Parses one policy document and merges it into @policy. On error @policy
 * is unchanged.
 */
gboolean cvm_policy_merge_json(CvmPolicy *policy, const char *data, gsize len,
			       const char *source, GError **error);

/**
 * cvm_policy_check_launch_digest:
 * @policy: a policy
 * @guest: guest name, or %NULL for the global rules only
 * @digest: the launch digest
 * @len: its length (32 or 48)
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @digest is expected for @guest, or when no digest rule
 * applies to @guest and the policy does not require one. Otherwise %FALSE
 * with CVM_ERROR_MEASUREMENT_MISMATCH (or CVM_ERROR_POLICY_DENIED when a rule
 * is required but none exists) naming the digest in hex.
 */
gboolean cvm_policy_check_launch_digest(const CvmPolicy *policy, const char *guest,
					const guint8 *digest, gsize len, GError **error);

/**
 * cvm_policy_check_id_key:
 * @policy: a policy
 * @guest: guest name or %NULL
 * @key_digest: SHA-384 of the ID-block public key (48 bytes)
 * @len: length of @key_digest
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the key is allowed (same defaulting as launch digests),
 * else %FALSE with CVM_ERROR_POLICY_DENIED.
 */
gboolean cvm_policy_check_id_key(const CvmPolicy *policy, const char *guest,
				 const guint8 *key_digest, gsize len, GError **error);

/**
 * cvm_policy_max_update_size:
 * @policy: a policy
 * @guest: guest name or %NULL
 *
 * Returns: the firmware-update size limit in bytes for @guest.
 */
guint64 cvm_policy_max_update_size(const CvmPolicy *policy, const char *guest);

/**
 * cvm_policy_check_update_size:
 *
 * Returns: %TRUE when @size is within cvm_policy_max_update_size(), else
 * %FALSE with CVM_ERROR_POLICY_DENIED.
 */
gboolean cvm_policy_check_update_size(const CvmPolicy *policy, const char *guest,
				      guint64 size, GError **error);

/**
 * cvm_policy_has_launch_rules:
 *
 * Returns: %TRUE when some launch-digest list (guest or global) applies to
 * @guest, i.e. the check is not a default allow.
 */
gboolean cvm_policy_has_launch_rules(const CvmPolicy *policy, const char *guest);

/* Same for the allowed SNP ID-block keys. */
gboolean cvm_policy_has_id_key_rules(const CvmPolicy *policy, const char *guest);

/**
 * cvm_policy_check_igvm:
 * @policy: a policy
 * @guest: guest name, or %NULL for the global rules only
 * @igvm: the IGVM file about to be launched
 * @platform: the platform it is launched as
 * @digest: (nullable): its expected launch digest (%NULL: native, no digest)
 * @error: return location for a #GError
 *
 * The launch check of the libvirt hook and of cvm_launch_guest(): the
 * digest must be allowed, and for SEV-SNP the file's ID block must be signed
 * by an allowed ID key (cvm_snp_id_key_digest()); where key rules apply, a
 * file without an ID block is refused.
 *
 * Returns: %TRUE when allowed; CVM_ERROR_POLICY_DENIED naming what differs.
 */
gboolean cvm_policy_check_igvm(const CvmPolicy *policy, const char *guest, const CvmIgvm *igvm,
			       CvmPlatform platform, const CvmDigest *digest, GError **error);

/**
 * cvm_policy_set_require:
 * @policy: a policy
 * @require: %TRUE to refuse digests and keys when no rule applies
 *
 * Also set by a top-level "require": true in any policy file.
 */
void cvm_policy_set_require(CvmPolicy *policy, gboolean require);

G_END_DECLS
