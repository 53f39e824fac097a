/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cvm metadata element of a domain: written and read with libxml2. */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <cvm/error.h>
#include <cvm/launch.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject)

void
cvm_launch_metadata_clear(CvmLaunchMetadata *md)
{
	g_clear_pointer(&md->igvm_path, g_free);
	g_clear_pointer(&md->igvm_sha256, g_free);
	g_clear_pointer(&md->platform, g_free);
	g_clear_pointer(&md->measurement, g_free);
	g_clear_pointer(&md->strategy, g_free);
}

static void
set_attr(xmlNodePtr node, const char *name, const char *value)
{
	if (value != NULL)
		xmlSetProp(node, (const xmlChar *)name, (const xmlChar *)value);
}

gchar *
cvm_launch_metadata_to_xml(const CvmLaunchMetadata *md, GError **error)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNodePtr root, igvm;
	xmlNsPtr ns;
	xmlChar *buf = NULL;
	int len = 0;
	gchar *out;

	if (md->igvm_path == NULL || md->igvm_sha256 == NULL || md->platform == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "cvm metadata needs the IGVM path, its SHA-256 and the platform");
		return NULL;
	}
	doc = xmlNewDoc((const xmlChar *)"1.0");
	root = xmlNewNode(NULL, (const xmlChar *)"guest");
	ns = xmlNewNs(root, (const xmlChar *)CVM_LAUNCH_METADATA_NS, (const xmlChar *)CVM_LAUNCH_METADATA_PREFIX);
	xmlSetNs(root, ns);
	xmlDocSetRootElement(doc, root);
	igvm = xmlNewChild(root, ns, (const xmlChar *)"igvm", NULL);
	set_attr(igvm, "path", md->igvm_path);
	set_attr(igvm, "sha256", md->igvm_sha256);
	set_attr(igvm, "platform", md->platform);
	set_attr(igvm, "measurement", md->measurement);
	set_attr(igvm, "strategy", md->strategy);
	xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 0);
	/* Drop the XML declaration: libvirt wants the bare element. */
	out = g_strdup(buf ? strstr((const char *)buf, "<cvm:") : "");
	xmlFree(buf);
	g_strstrip(out);
	return out;
}

static gchar *
get_attr(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	gchar *out = v ? g_strdup((const char *)v) : NULL;

	xmlFree(v);
	return out;
}

gboolean
cvm_launch_metadata_from_domain_xml(const char *xml, CvmLaunchMetadata *out, GError **error)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(xmlXPathContext) ctx = NULL;
	g_autoptr(xmlXPathObject) res = NULL;
	xmlNodePtr node;

	memset(out, 0, sizeof(*out));
	doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "domain XML is not well-formed");
		return FALSE;
	}
	ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, (const xmlChar *)"cvm", (const xmlChar *)CVM_LAUNCH_METADATA_NS);
	res = xmlXPathEvalExpression((const xmlChar *)"(//cvm:guest/cvm:igvm)[1]", ctx);
	if (res == NULL || res->nodesetval == NULL || res->nodesetval->nodeNr == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "domain has no cvm metadata element");
		return FALSE;
	}
	node = res->nodesetval->nodeTab[0];
	out->igvm_path = get_attr(node, "path");
	out->igvm_sha256 = get_attr(node, "sha256");
	out->platform = get_attr(node, "platform");
	out->measurement = get_attr(node, "measurement");
	out->strategy = get_attr(node, "strategy");
	if (out->igvm_path == NULL || out->platform == NULL) {
		cvm_launch_metadata_clear(out);
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "cvm metadata element lacks the IGVM path or the platform");
		return FALSE;
	}
	return TRUE;
}
