/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain XML (from libvirt, on the hook's stdin): where the IGVM file is. */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <cvm/error.h>
#include <cvm/platform.h>
#include "hook/hook.h"

/* The element the launch library writes into <metadata>. */
#define CVM_XMLNS "http://cvm.org/schemas/domain/1"
#define QEMU_XMLNS "http://libvirt.org/schemas/domain/qemu/1.0"

void
hook_domain_clear(HookDomain *dom)
{
	g_clear_pointer(&dom->name, g_free);
	g_clear_pointer(&dom->igvm, g_ptr_array_unref);
	g_clear_pointer(&dom->unclassified, g_free);
	g_clear_pointer(&dom->platform, g_free);
	g_clear_pointer(&dom->qemu_platform, g_free);
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

/* libvirt reads <qemu:arg value=.../> of this namespace only, in document
 * order, and appends them to QEMU's command line. */
static void
scan_passthrough(xmlXPathContextPtr ctx, HookDomain *dom)
{
	xmlXPathObjectPtr o =
		xmlXPathEvalExpression((const xmlChar *)"/domain/qemu:commandline/qemu:arg", ctx);
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(xmlFree);

	for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
		xmlChar *v = xmlGetProp(o->nodesetval->nodeTab[i], (const xmlChar *)"value");

		/* libvirt refuses an arg without value; so does the hook. */
		g_ptr_array_add(args, v ? v : xmlStrdup((const xmlChar *)""));
	}
	xmlXPathFreeObject(o);
	hook_qemu_args_scan((const char *const *)args->pdata, args->len, dom);
}

void
hook_domain_add_igvm(HookDomain *dom, const char *path)
{
	if (path == NULL || path[0] == '\0')
		return;
	for (guint i = 0; i < dom->igvm->len; i++)
		if (strcmp(dom->igvm->pdata[i], path) == 0)
			return;
	g_ptr_array_add(dom->igvm, g_strdup(path));
}

/* Every node @expr selects (an element's text or an attribute's value). */
static void
add_igvm_nodes(xmlXPathContextPtr ctx, HookDomain *dom, const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);

	for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
		xmlChar *v = xmlNodeGetContent(o->nodesetval->nodeTab[i]);
		g_autofree gchar *path = v ? g_strstrip(g_strdup((const char *)v)) : NULL;

		xmlFree(v);
		hook_domain_add_igvm(dom, path);
	}
	xmlXPathFreeObject(o);
}

static gchar *
launch_security(xmlXPathContextPtr ctx)
{
	g_autofree gchar *type = xpath_string(ctx, "string(/domain/launchSecurity/@type)");
	g_autofree gchar *policy = NULL;
	guint64 pol;

	/* libvirt's types sev-snp and tdx are cvm's platform names. */
	if (type == NULL || strcmp(type, "sev") != 0)
		return g_steal_pointer(&type);
	/* SEV policy bit 2 (ES) selects SEV-ES. */
	policy = xpath_string(ctx, "string(/domain/launchSecurity/policy)");
	pol = policy ? g_ascii_strtoull(policy, NULL, 0) : 0;
	return g_strdup(cvm_platform_to_string(pol & 0x4 ? CVM_PLATFORM_SEV_ES : CVM_PLATFORM_SEV));
}

/* The platform QEMU runs the guest as: a confidential-guest object passed
 * through (what launch writes for a libvirt without sev-snp support; QEMU
 * uses the machine's last confidential-guest-support), else
 * <launchSecurity>, else launch's metadata (IGVM translated for a QEMU
 * without it). */
static gchar *
platform_of(xmlXPathContextPtr ctx, HookDomain *dom)
{
	g_autofree gchar *ls = launch_security(ctx);

	if (dom->qemu_platform != NULL) {
		if (ls != NULL && strcmp(ls, dom->qemu_platform) != 0 && dom->unclassified == NULL)
			dom->unclassified = g_strdup_printf(
				"a %s object in qemu:commandline and <launchSecurity type=%s> disagree",
				dom->qemu_platform, ls);
		return g_strdup(dom->qemu_platform);
	}
	if (ls != NULL)
		return g_steal_pointer(&ls);
	return xpath_string(ctx, "string(/domain/metadata/cvm:guest/cvm:igvm/@platform)");
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
	xmlXPathRegisterNs(ctx, (const xmlChar *)"qemu", (const xmlChar *)QEMU_XMLNS);
	dom->name = xpath_string(ctx, "string(/domain/name)");
	dom->igvm = g_ptr_array_new_with_free_func(g_free);
	/* Every place that can name an IGVM file counts, not the first found:
	 * the launch library's metadata, libvirt's own IGVM firmware
	 * (<os><loader type="igvm">) and QEMU pass-through arguments. */
	add_igvm_nodes(ctx, dom, "/domain/metadata/cvm:guest/cvm:igvm/@path");
	if (dom->igvm->len == 0)
		add_igvm_nodes(ctx, dom, "/domain/metadata/cvm:guest/cvm:igvm");
	add_igvm_nodes(ctx, dom, "/domain/os/loader[@type='igvm' or @format='igvm']");
	scan_passthrough(ctx, dom);
	dom->platform = platform_of(ctx, dom);
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
