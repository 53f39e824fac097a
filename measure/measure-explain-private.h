/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The outcome of a digest search (measure/measure-explain*.c): the search fills
 * it, the report files render it. */
#pragma once

#include <cvm/measure-explain.h>

/* One measured parameter set. */
typedef struct {
	CvmMeasureOptions opts;
	CvmDigest digest;
	const char *changed; /* nearest: the one parameter differing from the given ones; NULL: none */
} CvmiExplainCandidate;

struct _CvmExplain {
	CvmDigest want;
	CvmMeasureOptions given; /* its strings point to the copies below */
	gboolean igvm;
	gchar *kernel, *initrd, *append;
	GArray *matches;  /* CvmiExplainCandidate */
	GArray *nearest;  /* CvmiExplainCandidate, at most one parameter away */
	GPtrArray *tried; /* gchar *, "platform: parameter: values" */
	guint64 candidates;
};

/* Counts @c (its digest in @digest) and keeps it when it matches or lies at
 * most one parameter away from the given ones. */
void cvmi_explain_consider(CvmExplain *e, const CvmMeasureOptions *c, const guint8 *digest);
void cvmi_explain_tried(CvmExplain *e, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* A QEMU vCPU model name for @sig, or NULL. */
const char *cvmi_explain_sig_name(guint32 sig);
/* "snp-active,debug-swap" for SNP sev_features bits. */
gchar *cvmi_explain_features_text(guint64 features);
