/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host features from libvirt's versions and domain capabilities. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* The emulator libvirt would run, from the domain capabilities. */
static gchar *
emulator_path(const char *caps)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(xmlXPathContext) ctx = NULL;
	xmlXPathObjectPtr res;
	gchar *out = NULL;

	if (caps == NULL)
		return NULL;
	doc = xmlReadMemory(caps, strlen(caps), "domcaps.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return NULL;
	ctx = xmlXPathNewContext(doc);
	res = xmlXPathEvalExpression((const xmlChar *)"string(/domainCapabilities/path)", ctx);
	if (res != NULL && res->stringval != NULL && *res->stringval != '\0')
		out = g_strdup((const char *)res->stringval);
	xmlXPathFreeObject(res);
	return out;
}

/* Whether libvirt runs its QEMU on this machine. */
static gboolean
is_local(virConnectPtr conn)
{
	char *uri = virConnectGetURI(conn);
	gboolean local = uri != NULL && (g_str_has_prefix(uri, "qemu:///") || g_str_has_prefix(uri, "qemu+unix:///"));

	free(uri);
	return local;
}

/* Whether KVM works here: libvirt may offer kvm domains from cached
 * capabilities, or run as a user who can probe what QEMU cannot open. */
static gboolean
kvm_opens(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return FALSE;
	close(fd);
	return TRUE;
}

/* Whether a local emulator can create igvm-cfg objects: asked of the binary
 * itself, as distributions may build QEMU 10.1+ without IGVM support. FALSE
 * with @known FALSE when it cannot be asked (remote host, no binary). */
static gboolean
emulator_has_igvm(virConnectPtr conn, const char *caps, gboolean *known)
{
	g_autofree gchar *path = emulator_path(caps);
	g_autofree gchar *out = NULL;
	gboolean local = is_local(conn);
	gint status = -1;

	*known = FALSE;
	if (!local || path == NULL || !g_path_is_absolute(path) || !g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
		return FALSE;
	const char *argv[] = {path, "-object", "help", NULL};
	if (!g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
			  NULL) ||
	    !g_spawn_check_wait_status(status, NULL))
		return FALSE;
	*known = TRUE;
	return strstr(out, "\n  igvm-cfg\n") != NULL;
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
	if (!cvm_host_info_from_caps(caps, libver, hvver, out, error))
		return FALSE;
	gboolean known;
	gboolean has = emulator_has_igvm(conn, caps, &known);
	if (known)
		out->qemu_igvm = has;
	g_autofree gchar *emulator = known ? emulator_path(caps) : NULL;
	if (emulator != NULL)
		cvm_host_probe_emulator(emulator, out);
	if (out->kvm && is_local(conn) && !kvm_opens())
		out->kvm = FALSE;
	return TRUE;
}
