/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM validator: the problem list, rule names and severities; the rules
 * themselves live in validate-*.c by family (docs/igvm.md has the table). */
#include "measure/measure-internal.h"
#include "igvm/reader-private.h"

typedef struct {
	const char *name;
	gboolean hygiene; /* warning unless CVM_IGVM_STRICT */
} RuleInfo;

static const RuleInfo rules[CVM_IGVM_RULE_LAST_] = {
	[CVM_IGVM_RULE_FIXED_HEADER_SHORT] = { "fixed-header-short", FALSE },
	[CVM_IGVM_RULE_MAGIC] = { "magic", FALSE },
	[CVM_IGVM_RULE_FORMAT_VERSION] = { "format-version", FALSE },
	[CVM_IGVM_RULE_ARCHITECTURE] = { "architecture", FALSE },
	[CVM_IGVM_RULE_PAGE_SIZE] = { "page-size", FALSE },
	[CVM_IGVM_RULE_TOTAL_FILE_SIZE] = { "total-file-size", FALSE },
	[CVM_IGVM_RULE_VH_OFFSET] = { "vh-offset", FALSE },
	[CVM_IGVM_RULE_VH_RANGE] = { "vh-range", FALSE },
	[CVM_IGVM_RULE_NO_FILE_DATA] = { "no-file-data", FALSE },
	[CVM_IGVM_RULE_CHECKSUM] = { "checksum", FALSE },
	[CVM_IGVM_RULE_TLV_TRUNCATED] = { "tlv-truncated", FALSE },
	[CVM_IGVM_RULE_UNKNOWN_TYPE] = { "unknown-type", FALSE },
	[CVM_IGVM_RULE_SECTION_ORDER] = { "section-order", FALSE },
	[CVM_IGVM_RULE_PAYLOAD_LENGTH] = { "payload-length", FALSE },
	[CVM_IGVM_RULE_NO_PLATFORM] = { "no-platform", FALSE },
	[CVM_IGVM_RULE_PLATFORM_MASK] = { "platform-mask", FALSE },
	[CVM_IGVM_RULE_PLATFORM_VTL] = { "platform-vtl", FALSE },
	[CVM_IGVM_RULE_PLATFORM_VERSION] = { "platform-version", FALSE },
	[CVM_IGVM_RULE_PLATFORM_TYPE] = { "platform-type", FALSE },
	[CVM_IGVM_RULE_PLATFORM_SHARED_GPA] = { "platform-shared-gpa", FALSE },
	[CVM_IGVM_RULE_PLATFORM_DUPLICATE] = { "platform-duplicate", FALSE },
	[CVM_IGVM_RULE_PLATFORM_ARCH] = { "platform-arch", FALSE },
	[CVM_IGVM_RULE_PLATFORM_MASK_SHARED] = { "platform-mask-shared", FALSE },
	[CVM_IGVM_RULE_RESERVED_NONZERO] = { "reserved-nonzero", FALSE },
	[CVM_IGVM_RULE_VTL_INVALID] = { "vtl-invalid", FALSE },
	[CVM_IGVM_RULE_RELOC_ALIGNMENT] = { "reloc-alignment", FALSE },
	[CVM_IGVM_RULE_RELOC_OVERLAP] = { "reloc-overlap", FALSE },
	[CVM_IGVM_RULE_RELOC_NO_VP_CONTEXT] = { "reloc-no-vp-context", FALSE },
	[CVM_IGVM_RULE_PT_RELOC_ALIGNMENT] = { "pt-reloc-alignment", FALSE },
	[CVM_IGVM_RULE_PT_RELOC_USED_SIZE] = { "pt-reloc-used-size", FALSE },
	[CVM_IGVM_RULE_PT_RELOC_DUPLICATE] = { "pt-reloc-duplicate", FALSE },
	[CVM_IGVM_RULE_CCA_POLICY_CONFLICT] = { "cca-policy-conflict", FALSE },
	[CVM_IGVM_RULE_CCA_POLICY_MASK] = { "cca-policy-mask", FALSE },
	[CVM_IGVM_RULE_CORIM_DUPLICATE] = { "corim-duplicate", FALSE },
	[CVM_IGVM_RULE_CORIM_SIGNATURE_ORDER] = { "corim-signature-order", FALSE },
	[CVM_IGVM_RULE_FILE_OFFSET] = { "file-offset", FALSE },
	[CVM_IGVM_RULE_PAGE_GPA_ALIGN] = { "page-gpa-align", FALSE },
	[CVM_IGVM_RULE_PAGE_DATA_TYPE] = { "page-data-type", FALSE },
	[CVM_IGVM_RULE_PAGE_2MB] = { "page-2mb", FALSE },
	[CVM_IGVM_RULE_PARAM_AREA_SIZE] = { "param-area-size", FALSE },
	[CVM_IGVM_RULE_PARAM_AREA_DUPLICATE] = { "param-area-duplicate", FALSE },
	[CVM_IGVM_RULE_PARAM_AREA_UNKNOWN] = { "param-area-unknown", FALSE },
	[CVM_IGVM_RULE_PARAM_BYTE_OFFSET] = { "param-byte-offset", FALSE },
	[CVM_IGVM_RULE_PARAM_INSERT_GPA_ALIGN] = { "param-insert-gpa-align", FALSE },
	[CVM_IGVM_RULE_PARAM_INSERT_IN_PT_REGION] = { "param-insert-in-pt-region", FALSE },
	[CVM_IGVM_RULE_REQUIRED_MEMORY_ALIGN] = { "required-memory-align", FALSE },
	[CVM_IGVM_RULE_ERROR_RANGE_ALIGN] = { "error-range-align", FALSE },
	[CVM_IGVM_RULE_VP_CONTEXT_MASK] = { "vp-context-mask", FALSE },
	[CVM_IGVM_RULE_VP_CONTEXT_GPA] = { "vp-context-gpa", FALSE },
	[CVM_IGVM_RULE_VP_CONTEXT_VSM] = { "vp-context-vsm", FALSE },
	[CVM_IGVM_RULE_VP_CONTEXT_PLATFORM] = { "vp-context-platform", FALSE },
	[CVM_IGVM_RULE_VP_CONTEXT_NATIVE_TAIL] = { "vp-context-native-tail", FALSE },
	[CVM_IGVM_RULE_PADDING_NONZERO] = { "padding-nonzero", TRUE },
	[CVM_IGVM_RULE_MASK_UNDECLARED] = { "mask-undeclared", TRUE },
	[CVM_IGVM_RULE_PAGE_OVERLAP] = { "page-overlap", TRUE },
	[CVM_IGVM_RULE_QEMU_UNSUPPORTED] = { "qemu-unsupported", FALSE },
	[CVM_IGVM_RULE_PAGE_FLAGS_RESERVED] = { "page-flags-reserved", TRUE },
	[CVM_IGVM_RULE_ID_BLOCK_DIGEST] = { "id-block-digest", TRUE },
};

const char *
cvm_igvm_rule_name(CvmIgvmRule rule)
{
	if (rule <= 0 || rule >= CVM_IGVM_RULE_LAST_ || rules[rule].name == NULL)
		return "unknown-rule";
	return rules[rule].name;
}

CvmIgvmSeverity
cvmi_igvm_rule_severity(CvmIgvmRule rule, guint flags)
{
	if (rule > 0 && rule < CVM_IGVM_RULE_LAST_ && rules[rule].hygiene && !(flags & CVM_IGVM_STRICT))
		return CVM_IGVM_SEVERITY_WARNING;
	return CVM_IGVM_SEVERITY_ERROR;
}

/* The entry after the first CVMI_IGVM_MAX_PROBLEMS: freed as a problem;
 * its message is written once, when cvm_igvm_validate() returns the list
 * (formatting it at every drop would cost a printf per header again). */
typedef struct {
	CvmIgvmProblem problem;
	guint dropped;
} Overflow;

static void
count_dropped(GPtrArray *problems, CvmIgvmRule rule, CvmIgvmSeverity severity, guint64 offset)
{
	Overflow *o;

	if (problems->len == CVMI_IGVM_MAX_PROBLEMS) {
		o = g_new0(Overflow, 1);
		o->problem.header_index = -1;
		o->problem.severity = CVM_IGVM_SEVERITY_WARNING;
		g_ptr_array_add(problems, o);
	}
	o = problems->pdata[problems->len - 1];
	if (o->dropped++ == 0 || (severity == CVM_IGVM_SEVERITY_ERROR && o->problem.severity != severity)) {
		o->problem.rule = rule;
		o->problem.severity = severity;
		o->problem.offset = offset;
	}
}

void
cvmi_igvm_problem_add(GPtrArray *problems, guint flags, CvmIgvmRule rule, gint header_index, guint64 offset,
		      const char *fmt, ...)
{
	CvmIgvmProblem *p;
	va_list ap;

	if (problems->len >= CVMI_IGVM_MAX_PROBLEMS) {
		count_dropped(problems, rule, cvmi_igvm_rule_severity(rule, flags), offset);
		return;
	}
	p = g_new0(CvmIgvmProblem, 1);
	p->rule = rule;
	p->severity = cvmi_igvm_rule_severity(rule, flags);
	p->header_index = header_index;
	p->offset = offset;
	va_start(ap, fmt);
	p->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(problems, p);
}

void
cvm_igvm_problem_free(CvmIgvmProblem *problem)
{
	if (problem == NULL)
		return;
	g_free(problem->message);
	g_free(problem);
}

gchar *
cvm_igvm_problem_to_string(const CvmIgvmProblem *p)
{
	const char *sev = p->severity == CVM_IGVM_SEVERITY_ERROR ? "error" : "warning";

	if (p->header_index < 0)
		return g_strdup_printf("%s %s at offset 0x%" G_GINT64_MODIFIER "x: %s", sev,
				       cvm_igvm_rule_name(p->rule), p->offset, p->message);
	return g_strdup_printf("%s %s at offset 0x%" G_GINT64_MODIFIER "x (header %d): %s", sev,
			       cvm_igvm_rule_name(p->rule), p->offset, p->header_index, p->message);
}

static gint
by_offset(gconstpointer a, gconstpointer b)
{
	const CvmIgvmProblem *pa = *(CvmIgvmProblem *const *)a, *pb = *(CvmIgvmProblem *const *)b;
	return pa->offset < pb->offset ? -1 : pa->offset > pb->offset;
}

GPtrArray *
cvm_igvm_validate(const CvmIgvm *igvm, guint flags)
{
	GPtrArray *problems = g_ptr_array_new_with_free_func((GDestroyNotify)cvm_igvm_problem_free);

	for (guint i = 0; i < igvm->parse_problems->len; i++) {
		const CvmIgvmProblem *src = igvm->parse_problems->pdata[i];
		if (i == CVMI_IGVM_MAX_PROBLEMS) { /* the parse list's own count of the rest */
			count_dropped(problems, src->rule, cvmi_igvm_rule_severity(src->rule, flags), src->offset);
			Overflow *o = problems->pdata[problems->len - 1];
			o->dropped = ((const Overflow *)src)->dropped;
			continue;
		}
		cvmi_igvm_problem_add(problems, flags, src->rule, src->header_index, src->offset, "%s", src->message);
	}
	cvmi_igvm_validate_platforms(igvm, flags, problems);
	cvmi_igvm_validate_init(igvm, flags, problems);
	cvmi_igvm_validate_directives(igvm, flags, problems);
	cvmi_igvm_check_qemu_file(igvm, flags, problems);
	/* A digest of a file with errors would mean nothing. */
	if ((flags & CVM_IGVM_CHECK_ID_BLOCK) && cvm_igvm_problems_count_errors(problems) == 0) {
		g_autofree gchar *msg = cvmi_igvm_id_block_mismatch(igvm);
		if (msg != NULL)
			cvmi_igvm_problem_add(problems, flags, CVM_IGVM_RULE_ID_BLOCK_DIGEST, -1, igvm->vh_offset, "%s",
					      msg);
	}
	if (problems->len > CVMI_IGVM_MAX_PROBLEMS) {
		Overflow *o = problems->pdata[CVMI_IGVM_MAX_PROBLEMS];
		o->problem.message = g_strdup_printf("%u more problems not listed (the first %u are)", o->dropped,
						     CVMI_IGVM_MAX_PROBLEMS);
	}
	/* Stable sort: file order, rule order within one offset. */
	g_ptr_array_sort(problems, by_offset);
	return problems;
}

guint
cvm_igvm_problems_count_errors(GPtrArray *problems)
{
	guint n = 0;
	for (guint i = 0; i < problems->len; i++)
		if (((const CvmIgvmProblem *)problems->pdata[i])->severity == CVM_IGVM_SEVERITY_ERROR)
			n++;
	return n;
}
