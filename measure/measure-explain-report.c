/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rendering an --explain outcome: text, JSON, and the cvmctl options that
 * reproduce a candidate's digest. */
#include "measure/measure-explain-private.h"

#include <json-c/json.h>
#include <string.h>

/* SEV_FEATURES bits (AMD APM vol. 2, VMSA offset 0x3B0). */
static const char *const feature_names[] = {
	"snp-active", "vtom", "reflect-vc", "restricted-injection", "alternate-injection", "debug-swap",
	"prevent-host-ibs", "btb-isolation", "vmpl-sss", "secure-tsc", "vmgexit-parameter", "bit11",
	"ibs-virtualization", "bit13", "vmsa-reg-prot", "smt-protection",
};

gchar *
cvmi_explain_features_text(guint64 features)
{
	g_autoptr(GString) s = g_string_new(NULL);

	g_string_printf(s, "0x%" G_GINT64_MODIFIER "x (", features);
	for (guint b = 0; b < 64; b++) {
		if (!(features & (G_GUINT64_CONSTANT(1) << b)))
			continue;
		if (s->str[s->len - 1] != '(')
			g_string_append_c(s, ',');
		if (b < G_N_ELEMENTS(feature_names))
			g_string_append(s, feature_names[b]);
		else
			g_string_append_printf(s, "bit%u", b);
	}
	g_string_append_c(s, ')');
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
arg(GString *s, const char *name, const char *value)
{
	g_string_append_printf(s, " %s", name);
	if (value == NULL)
		return;
	/* Quoted only when the shell would otherwise split or expand it. */
	gboolean plain = value[0] != '\0';
	for (const char *p = value; *p; p++)
		plain = plain && (g_ascii_isalnum(*p) || strchr("._/:=,+-@%", *p) != NULL);
	g_autofree gchar *q = plain ? g_strdup(value) : g_shell_quote(value);
	g_string_append_printf(s, " %s", q);
}

gchar *
cvm_measure_options_to_args(const CvmMeasureOptions *o, gboolean igvm)
{
	g_autoptr(GString) s = g_string_new(NULL);
	CvmMeasureOptions def;
	char num[64];

	cvm_measure_options_init(&def);
	arg(s, "--platform", cvm_platform_to_string(o->platform));
	if (MAX(o->vcpus, 1) != 1 && !(igvm && o->bsp_only)) {
		g_snprintf(num, sizeof(num), "%u", o->vcpus);
		arg(s, "--vcpus", num);
	}
	if (o->vcpu_sig != def.vcpu_sig) {
		const char *name = cvmi_explain_sig_name(o->vcpu_sig);
		g_snprintf(num, sizeof(num), "0x%x", o->vcpu_sig);
		arg(s, name ? "--vcpu-type" : "--vcpu-sig", name ? name : num);
	}
	if (o->vmm != def.vmm)
		arg(s, "--vmm-type", o->vmm == CVM_VMM_EC2 ? "ec2" : "gce");
	if (o->guest_features != def.guest_features) {
		g_snprintf(num, sizeof(num), "0x%" G_GINT64_MODIFIER "x", o->guest_features);
		arg(s, "--guest-features", num);
	}
	if (o->kernel)
		arg(s, "--kernel", o->kernel);
	if (o->initrd)
		arg(s, "--initrd", o->initrd);
	if (o->append)
		arg(s, "--append", o->append);
	if (!igvm && o->ap_eip != 0) {
		g_snprintf(num, sizeof(num), "0x%x", o->ap_eip);
		arg(s, "--ap-eip", num);
	}
	if (!igvm && o->svsm) {
		arg(s, "--svsm", o->svsm);
		g_snprintf(num, sizeof(num), "%" G_GUINT64_FORMAT, o->ovmf_vars_size);
		arg(s, "--vars-size", num);
	}
	if (!igvm && o->has_snp_ovmf_hash) {
		CvmDigest d = {.len = 48};
		memcpy(d.bytes, o->snp_ovmf_hash, 48);
		g_autofree gchar *hex = cvm_digest_to_hex(&d);
		arg(s, "--snp-ovmf-hash", hex);
	}
	if (!igvm && o->tdx_two_pass)
		arg(s, "--tdx-two-pass", NULL);
	if (igvm && o->native_zero)
		arg(s, "--native-zero", NULL);
	if (igvm && o->param_insert_one_page)
		arg(s, "--one-page-parameter", NULL);
	if (igvm && o->bsp_only)
		arg(s, "--bsp-only", NULL);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static gint
by_changed(gconstpointer a, gconstpointer b)
{
	const CvmiExplainCandidate *x = a, *y = b;

	if (x->changed == NULL || y->changed == NULL)
		return (x->changed != NULL) - (y->changed != NULL);
	return strcmp(x->changed, y->changed);
}

/* The nearest candidates grouped by the parameter they change, the given
 * parameters first (a stable sort keeps the search order inside a group). */
static GArray *
sorted_nearest(const CvmExplain *e)
{
	GArray *out = g_array_copy(e->nearest);

	g_array_sort(out, by_changed); /* stable since GLib 2.32 */
	return out;
}

static json_object *
candidate_json(const CvmExplain *e, const CvmiExplainCandidate *c, const char *command)
{
	json_object *o = json_object_new_object();
	g_autofree gchar *hex = cvm_digest_to_hex(&c->digest);
	g_autofree gchar *args = cvm_measure_options_to_args(&c->opts, e->igvm);
	g_autofree gchar *cmd = g_strconcat(command, args, NULL);
	g_autofree gchar *params = cvm_measure_to_json(&c->opts, &c->digest, 0);
	json_object *p = json_tokener_parse(params), *pp = NULL;
	g_autofree gchar *eip = g_strdup_printf("0x%x", c->opts.ap_eip);

	json_object_object_get_ex(p, "parameters", &pp);
	json_object_get(pp);
	json_object_put(p);
	if (!e->igvm)
		json_object_object_add(pp, "ap-eip", c->opts.ap_eip ? json_object_new_string(eip) : NULL);
	json_object_object_add(o, "platform", json_object_new_string(cvm_platform_to_string(c->opts.platform)));
	if (c->changed != NULL)
		json_object_object_add(o, "changed", json_object_new_string(c->changed));
	json_object_object_add(o, "digest", json_object_new_string(hex));
	json_object_object_add(o, "parameters", pp);
	json_object_object_add(o, "command", json_object_new_string(cmd));
	return o;
}

gchar *
cvm_explain_to_json(const CvmExplain *e, const char *command)
{
	json_object *root = json_object_new_object(), *m = json_object_new_array();
	json_object *n = json_object_new_array(), *t = json_object_new_array();
	g_autofree gchar *want = cvm_digest_to_hex(&e->want);
	g_autoptr(GArray) nearest = sorted_nearest(e);

	for (guint i = 0; i < e->matches->len; i++)
		json_object_array_add(m, candidate_json(e, &g_array_index(e->matches, CvmiExplainCandidate, i), command));
	for (guint i = 0; e->matches->len == 0 && i < nearest->len; i++)
		json_object_array_add(n, candidate_json(e, &g_array_index(nearest, CvmiExplainCandidate, i), command));
	for (guint i = 0; i < e->tried->len; i++)
		json_object_array_add(t, json_object_new_string(g_ptr_array_index(e->tried, i)));
	json_object_object_add(root, "digest", json_object_new_string(want));
	json_object_object_add(root, "match", json_object_new_boolean(e->matches->len > 0));
	json_object_object_add(root, "matches", m);
	json_object_object_add(root, "nearest", n);
	json_object_object_add(root, "tried", t);
	json_object_object_add(root, "candidates", json_object_new_int64((gint64)e->candidates));
	gchar *out = g_strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return out;
}

static void
text_candidate(GString *s, const CvmExplain *e, const CvmiExplainCandidate *c, const char *command,
	       gboolean nearest)
{
	g_autofree gchar *args = cvm_measure_options_to_args(&c->opts, e->igvm);
	g_autofree gchar *hex = cvm_digest_to_hex(&c->digest);

	if (nearest)
		g_string_append_printf(s, "  %-18s %s\n    %s%s\n", c->changed ? c->changed : "(given)", hex, command,
				       args);
	else
		g_string_append_printf(s, "match: %s%s\n", command, args);
	if (!nearest && c->opts.platform == CVM_PLATFORM_SEV_SNP && !e->igvm) {
		g_autofree gchar *f = cvmi_explain_features_text(c->opts.guest_features);
		g_string_append_printf(s, "  sev_features %s\n", f);
	}
}

gchar *
cvm_explain_to_text(const CvmExplain *e, const char *command)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autofree gchar *want = cvm_digest_to_hex(&e->want);
	g_autoptr(GArray) nearest = sorted_nearest(e);

	for (guint i = 0; i < e->matches->len; i++)
		text_candidate(s, e, &g_array_index(e->matches, CvmiExplainCandidate, i), command, FALSE);
	if (e->matches->len == 0) {
		g_string_append_printf(s, "no match for %s among %" G_GUINT64_FORMAT " candidates.\n", want,
				       e->candidates);
		g_string_append(s, "Digests have no distance, so the nearest candidates are those that change at most "
				   "one of the given parameters (vCPU count by one), grouped by that parameter:\n");
		for (guint i = 0; i < nearest->len; i++)
			text_candidate(s, e, &g_array_index(nearest, CvmiExplainCandidate, i), command, TRUE);
	}
	g_string_append_printf(s, "tried (%" G_GUINT64_FORMAT " candidates):\n", e->candidates);
	for (guint i = 0; i < e->tried->len; i++)
		g_string_append_printf(s, "  %s\n", (const char *)g_ptr_array_index(e->tried, i));
	return g_string_free(g_steal_pointer(&s), FALSE);
}
