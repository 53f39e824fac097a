/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host features from libvirt's versions and domain capabilities. */
#include <string.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <cvm/error.h>
#include <cvm/host.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)

static gboolean
xpath_true(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr res = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	gboolean out = res != NULL && xmlXPathCastToBoolean(res);

	xmlXPathFreeObject(res);
	return out;
}

/* 0 when the node is missing or not a small number. */
static double
xpath_number(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr res = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	double v = res != NULL ? xmlXPathCastToNumber(res) : 0;

	xmlXPathFreeObject(res);
	return v >= 0 && v < 64 ? v : 0;
}

gboolean
cvm_host_info_from_caps(const char *domcaps_xml, gulong libvirt_version, gulong qemu_version,
			CvmHostInfo *out, GError **error)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(xmlXPathContext) ctx = NULL;

	memset(out, 0, sizeof(*out));
	out->libvirt_version = libvirt_version;
	out->qemu_version = qemu_version;
	out->qemu_igvm = qemu_version >= CVM_HOST_QEMU_IGVM_VERSION;
	out->snp_id_block = libvirt_version >= CVM_HOST_LIBVIRT_SNP_ID_VERSION;
	if (domcaps_xml == NULL)
		return TRUE;
	doc = xmlReadMemory(domcaps_xml, strlen(domcaps_xml), "domcaps.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "domain capabilities are not well-formed XML");
		return FALSE;
	}
	ctx = xmlXPathNewContext(doc);
	out->kvm = xpath_true(ctx, "/domainCapabilities/domain = 'kvm'");
	out->sev = xpath_true(ctx, "/domainCapabilities/features/sev[@supported='yes']");
	/* libvirt 10.5+ lists sev-snp as a launchSecurity sectype; older ones
	 * have no way to say it. */
	out->sev_snp = xpath_true(ctx, "/domainCapabilities/features/launchSecurity[@supported='yes']"
				       "/enum[@name='sectype']/value = 'sev-snp'");
	out->tdx = xpath_true(ctx, "/domainCapabilities/features/launchSecurity[@supported='yes']"
				   "/enum[@name='sectype']/value = 'tdx'") ||
		   xpath_true(ctx, "/domainCapabilities/features/tdx[@supported='yes']");
	out->sev_cbitpos = (guint)xpath_number(ctx, "/domainCapabilities/features/sev/cbitpos");
	out->sev_reduced_phys_bits = (guint)xpath_number(ctx, "/domainCapabilities/features/sev/reducedPhysBits");
	return TRUE;
}

static gchar *
domain_caps(virConnectPtr conn)
{
	static const char *const virttypes[] = { "kvm", "qemu" };

	for (gsize i = 0; i < G_N_ELEMENTS(virttypes); i++) {
		char *xml = virConnectGetDomainCapabilities(conn, NULL, "x86_64", NULL, virttypes[i], 0);

		if (xml != NULL) {
			gchar *out = g_strdup(xml);

			free(xml);
			return out;
		}
	}
	virResetLastError();
	return NULL;
}

gboolean
cvm_host_probe(virConnectPtr conn, CvmHostInfo *out, GError **error)
{
	unsigned long libver = 0, hvver = 0;
	g_autofree gchar *caps = NULL;

	if (virConnectGetLibVersion(conn, &libver) < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "cannot get the libvirt version: %s",
			    virGetLastErrorMessage());
		return FALSE;
	}
	if (virConnectGetVersion(conn, &hvver) < 0)
		hvver = 0;
	virResetLastError();
	caps = domain_caps(conn);
	return cvm_host_info_from_caps(caps, libver, hvver, out, error);
}
