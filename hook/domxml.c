/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain XML (from libvirt, on the hook's stdin): where the IGVM file is. */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <cvm/error.h>
#include "hook/hook.h"

/* The element the launch library writes into <metadata>. */
#define CVM_XMLNS "http://cvm.org/schemas/domain/1"

void
hook_domain_clear(HookDomain *dom)
{
	g_clear_pointer(&dom->name, g_free);
	g_clear_pointer(&dom->igvm, g_free);
	g_clear_pointer(&dom->platform, g_free);
}

static gchar *
xpath_string(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	gchar *out = NULL;

	if (o != NULL && o->type == XPATH_STRING && o->stringval && o->stringval[0])
		out = g_strdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	return out;
}

/* "-object igvm-cfg,id=igvm0,file=/path" passed through <qemu:commandline>. */
static gchar *
igvm_from_passthrough(xmlXPathContextPtr ctx)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression(
		(const xmlChar *)"/domain/*[local-name()='commandline']/*[local-name()='arg']/@value",
		ctx);
	gchar *out = NULL;

	for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr && !out; i++) {
		g_autofree gchar *v = (gchar *)xmlNodeGetContent(o->nodesetval->nodeTab[i]);
		g_auto(GStrv) parts = NULL;

		if (v == NULL || !g_str_has_prefix(v, "igvm-cfg,"))
			continue;
		parts = g_strsplit(v, ",", -1);
		for (int j = 0; parts[j] && !out; j++)
			if (g_str_has_prefix(parts[j], "file="))
				out = g_strdup(parts[j] + 5);
	}
	xmlXPathFreeObject(o);
	return out;
}

static gchar *
platform_of(xmlXPathContextPtr ctx)
{
	g_autofree gchar *type = xpath_string(ctx, "string(/domain/launchSecurity/@type)");
	g_autofree gchar *policy = NULL;
	guint64 pol;

	if (type == NULL) /* launch may translate IGVM for a QEMU without it */
		return xpath_string(ctx, "string(/domain/metadata/cvm:guest/cvm:igvm/@platform)");
	if (strcmp(type, "sev") != 0)
		return g_strdup(type); /* sev-snp, tdx */
	/* SEV policy bit 2 (ES) selects SEV-ES. */
	policy = xpath_string(ctx, "string(/domain/launchSecurity/policy)");
	pol = policy ? g_ascii_strtoull(policy, NULL, 0) : 0;
	return g_strdup(pol & 0x4 ? "sev-es" : "sev");
}

static gboolean
extract(xmlDocPtr doc, HookDomain *dom, GError **error)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	g_autofree gchar *vcpus = NULL;

	if (ctx == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_FAILED, "out of memory");
		return FALSE;
	}
	xmlXPathRegisterNs(ctx, (const xmlChar *)"cvm", (const xmlChar *)CVM_XMLNS);
	dom->name = xpath_string(ctx, "string(/domain/name)");
	dom->igvm = xpath_string(ctx, "string(/domain/metadata/cvm:guest/cvm:igvm/@path)");
	if (dom->igvm == NULL)
		dom->igvm = xpath_string(ctx, "string(/domain/metadata/cvm:guest/cvm:igvm)");
	if (dom->igvm == NULL)
		dom->igvm = igvm_from_passthrough(ctx);
	dom->platform = platform_of(ctx);
	vcpus = xpath_string(ctx, "string(/domain/vcpu)");
	dom->vcpus = vcpus ? (guint)g_ascii_strtoull(vcpus, NULL, 10) : 1;
	if (dom->vcpus == 0 || dom->vcpus > 4096)
		dom->vcpus = 1;
	xmlXPathFreeContext(ctx);
	return TRUE;
}

gboolean
hook_domain_parse(const char *xml, gsize len, HookDomain *dom, GError **error)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	gboolean ok;

	if (len > G_MAXINT) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "domain XML too large");
		return FALSE;
	}
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL || strcmp((const char *)root->name, "domain") != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "stdin is not a libvirt domain XML document");
		xmlFreeDoc(doc);
		return FALSE;
	}
	ok = extract(doc, dom, error);
	xmlFreeDoc(doc);
	return ok;
}
