/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <cvm/attest-snp.h>
#include <openssl/x509.h>

X509 *cvmi_snp_cert_load(GBytes *bytes, GError **error);
/* Every PEM certificate in @data (an empty stack when there is none). */
STACK_OF(X509) *cvmi_snp_pem_certs(const guint8 *data, gsize len);
/* The certificates of one bundle file, parsed once and again when the file
 * changes; an empty stack for a missing or unreadable file. The caller
 * frees the stack (sk_X509_pop_free). */
STACK_OF(X509) *cvmi_snp_bundle_certs(const char *path);
/* @vlek: the certificate is a VLEK, so the intermediates are ASVKs.
 * @step: (out) (optional): CVM_SNP_VERIFY_EXPIRED or _NOT_YET_VALID when a
 * certificate was outside its validity at @opts->at; left alone otherwise. */
gboolean cvmi_snp_verify_chain(X509 *vcek, gboolean vlek, const CvmSnpVerifyOptions *opts, gchar **product,
			       CvmSnpVerifyStep *step, GError **error);
gboolean cvmi_snp_check_tcb(X509 *vcek, const CvmSnpReport *r, const char *product, GError **error);
gboolean cvmi_snp_check_chip_id(X509 *vcek, const CvmSnpReport *r, GError **error);
