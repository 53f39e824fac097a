/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The domain XML of a launch plan, built with libxml2 (values escaped by
 * the library), one shape per strategy:
 *  - igvm-cfg: QEMU 10.1+ loads the file (`-object igvm-cfg` and
 *    `-machine igvm-cfg=` through <qemu:commandline>), no <loader>/pflash;
 *    SEV-SNP through <launchSecurity type='sev-snp'> on libvirt 10.5+, else a
 *    sev-snp-guest object through the passthrough; SEV and SEV-ES through
 *    <launchSecurity type='sev'>;
 *  - native-translate: <loader type='rom'> (-bios) plus -device loader blobs
 *    (cvm/native-load.h). */
#include "launch/launch-private.h"

#include <cvm/error.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"
#define IGVM_OBJECT_ID "cvm-igvm0"
#define SEV_OBJECT_ID "lsec0" /* the id libvirt itself gives its launch-security object */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

typedef struct {
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlNsPtr qemu_ns;
	xmlNodePtr cmdline;
} Xml;

static xmlNodePtr
child(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

static void
attr(xmlNodePtr node, const char *name, const char *value)
{
	xmlNewProp(node, (const xmlChar *)name, (const xmlChar *)value);
}

static void
qemu_arg(Xml *x, const char *value)
{
	if (x->cmdline == NULL) {
		x->qemu_ns = xmlNewNs(x->root, (const xmlChar *)QEMU_NS, (const xmlChar *)"qemu");
		x->cmdline = xmlNewChild(x->root, x->qemu_ns, (const xmlChar *)"commandline", NULL);
	}
	attr(xmlNewChild(x->cmdline, x->qemu_ns, (const xmlChar *)"arg", NULL), "value", value);
}

gchar *
cvmi_launch_qemu_escape(const char *value)
{
	g_auto(GStrv) parts = g_strsplit(value, ",", -1);
	return g_strjoinv(",,", parts);
}

static gboolean
add_metadata(Xml *x, const CvmLaunchPlan *plan, GError **error)
{
	g_autofree gchar *text = cvm_launch_metadata_to_xml(&plan->md, error);
	g_autoptr(xmlDoc) md = NULL;

	if (text == NULL)
		return FALSE;
	md = xmlReadMemory(text, strlen(text), "metadata.xml", NULL, XML_PARSE_NONET);
	if (md == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_FAILED, "cvm metadata element is not well-formed");
		return FALSE;
	}
	xmlNodePtr parent = xmlNewChild(x->root, NULL, (const xmlChar *)"metadata", NULL);
	xmlAddChild(parent, xmlDocCopyNode(xmlDocGetRootElement(md), x->doc, 1));
	return TRUE;
}

static void
add_os(Xml *x, const CvmLaunchPlan *plan)
{
	xmlNodePtr os = xmlNewChild(x->root, NULL, (const xmlChar *)"os", NULL);
	xmlNodePtr type = child(os, "type", "hvm");

	attr(type, "arch", "x86_64");
	attr(type, "machine", "q35");
	if (plan->strategy == CVM_LAUNCH_STRATEGY_NATIVE_TRANSLATE) {
		xmlNodePtr loader = child(os, "loader", cvm_native_plan_get_rom(plan->native)->path);
		attr(loader, "type", "rom");
		attr(loader, "readonly", "yes");
	}
	xmlNewChild(xmlNewChild(x->root, NULL, (const xmlChar *)"features", NULL), NULL, (const xmlChar *)"acpi",
		    NULL);
}

static void
add_devices(Xml *x, const CvmLaunchPlan *plan)
{
	xmlNodePtr devices = xmlNewChild(x->root, NULL, (const xmlChar *)"devices", NULL);
	xmlNodePtr serial = child(devices, "serial", NULL);
	xmlNodePtr log = child(serial, "log", NULL);
	xmlNodePtr console = child(devices, "console", NULL);

	attr(serial, "type", "pty");
	attr(log, "file", plan->serial_log);
	attr(log, "append", "off");
	attr(child(serial, "target", NULL), "port", "0");
	attr(console, "type", "pty");
	xmlNodePtr target = child(console, "target", NULL);
	attr(target, "type", "serial");
	attr(target, "port", "0");
	if (plan->disk != NULL) {
		xmlNodePtr disk = child(devices, "disk", NULL);
		xmlNodePtr driver = child(disk, "driver", NULL);
		attr(disk, "type", "file");
		attr(disk, "device", "disk");
		attr(driver, "name", "qemu");
		attr(driver, "type", g_str_has_suffix(plan->disk, ".qcow2") ? "qcow2" : "raw");
		attr(child(disk, "source", NULL), "file", plan->disk);
		xmlNodePtr t = child(disk, "target", NULL);
		attr(t, "dev", "vda");
		attr(t, "bus", "virtio");
	}
	if (plan->network != NULL) {
		gboolean user = strcmp(plan->network, "user") == 0;
		xmlNodePtr nic = child(devices, "interface", NULL);
		attr(nic, "type", user ? "user" : "network");
		if (!user)
			attr(child(nic, "source", NULL), "network", plan->network);
		attr(child(nic, "model", NULL), "type", "virtio");
	}
	attr(child(devices, "memballoon", NULL), "model", "none");
}

static void
add_sev(Xml *x, const CvmLaunchPlan *plan)
{
	gboolean snp = plan->platform == CVM_PLATFORM_SEV_SNP;
	g_autofree gchar *cbitpos = g_strdup_printf("%u", plan->host.sev_cbitpos ? plan->host.sev_cbitpos : 51);
	g_autofree gchar *rpb = g_strdup_printf("%u", plan->host.sev_reduced_phys_bits ? plan->host.sev_reduced_phys_bits
											 : 1);
	/* SEV: NODBG; SEV-ES additionally the ES bit (SEV API, guest policy). */
	g_autofree gchar *policy = g_strdup_printf("0x%08" G_GINT64_MODIFIER "x",
						   snp ? plan->snp_policy
						       : plan->platform == CVM_PLATFORM_SEV_ES ? 0x5 : 0x1);

	if (snp && !plan->host.snp_id_block) {
		/* libvirt before 10.5 has no sev-snp launchSecurity: QEMU's object
		 * directly, with the ID block as libvirt 10.5+ would pass it
		 * (base64 has no commas to escape). */
		g_autofree gchar *obj = g_strdup_printf("sev-snp-guest,id=" SEV_OBJECT_ID ",cbitpos=%s,"
							"reduced-phys-bits=%s,policy=%s", cbitpos, rpb, policy);
		if (plan->has_id_block) {
			g_autofree gchar *id_block = g_base64_encode(plan->id_block, sizeof(plan->id_block));
			g_autofree gchar *id_auth = g_base64_encode(plan->id_auth, sizeof(plan->id_auth));
			gchar *with_id = g_strdup_printf("%s,id-block=%s,id-auth=%s%s", obj, id_block, id_auth,
							 plan->id_author_key ? ",author-key-enabled=on" : "");
			g_free(obj);
			obj = with_id;
		}
		qemu_arg(x, "-object");
		qemu_arg(x, obj);
		qemu_arg(x, "-machine");
		qemu_arg(x, "confidential-guest-support=" SEV_OBJECT_ID);
		return;
	}
	xmlNodePtr ls = child(x->root, "launchSecurity", NULL);
	attr(ls, "type", snp ? "sev-snp" : "sev");
	child(ls, "cbitpos", cbitpos);
	child(ls, "reducedPhysBits", rpb);
	child(ls, "policy", policy);
	if (snp && plan->has_id_block) {
		/* Without it the firmware ignores the author key in idAuth
		 * (SNP_LAUNCH_FINISH AUTH_KEY_EN). */
		if (plan->id_author_key)
			attr(ls, "authorKey", "yes");
		g_autofree gchar *id_block = g_base64_encode(plan->id_block, sizeof(plan->id_block));
		g_autofree gchar *id_auth = g_base64_encode(plan->id_auth, sizeof(plan->id_auth));
		child(ls, "idBlock", id_block);
		child(ls, "idAuth", id_auth);
	}
}

static void
add_loading(Xml *x, const CvmLaunchPlan *plan)
{
	if (plan->strategy == CVM_LAUNCH_STRATEGY_NATIVE_TRANSLATE) {
		g_auto(GStrv) args = cvm_native_plan_qemu_args(plan->native, FALSE);
		for (guint i = 0; args[i] != NULL; i++)
			qemu_arg(x, args[i]);
		return;
	}
	g_autofree gchar *file = cvmi_launch_qemu_escape(plan->md.igvm_path);
	g_autofree gchar *obj = g_strdup_printf("igvm-cfg,id=" IGVM_OBJECT_ID ",file=%s", file);
	qemu_arg(x, "-object");
	qemu_arg(x, obj);
	/* QEMU merges repeated -machine options with libvirt's own. */
	qemu_arg(x, "-machine");
	qemu_arg(x, "igvm-cfg=" IGVM_OBJECT_ID);
	if (plan->platform != CVM_PLATFORM_NATIVE)
		add_sev(x, plan);
	for (guint i = 0; plan->svsm_args != NULL && plan->svsm_args[i] != NULL; i++)
		qemu_arg(x, plan->svsm_args[i]);
}

/* The launch measurement assumes the EPYC-v4 signature (cvm/measure.h). */
static void
add_cpu(Xml *x)
{
	xmlNodePtr cpu = child(x->root, "cpu", NULL);
	attr(cpu, "mode", "custom");
	attr(cpu, "match", "exact");
	attr(child(cpu, "model", "EPYC-v4"), "fallback", "forbid");
}

gboolean
cvmi_launch_build_xml(CvmLaunchPlan *plan, GError **error)
{
	g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
	Xml x = {doc, xmlNewNode(NULL, (const xmlChar *)"domain"), NULL, NULL};
	g_autofree gchar *kib = g_strdup_printf("%" G_GUINT64_FORMAT, plan->memory_bytes >> 10);
	g_autofree gchar *vcpus = g_strdup_printf("%u", plan->vcpus);
	xmlChar *buf = NULL;
	int len = 0;

	xmlDocSetRootElement(doc, x.root);
	attr(x.root, "type", plan->accel == CVM_LAUNCH_ACCEL_KVM ? "kvm" : "qemu");
	child(x.root, "name", plan->name);
	attr(child(x.root, "memory", kib), "unit", "KiB");
	child(x.root, "vcpu", vcpus);
	if (!add_metadata(&x, plan, error))
		return FALSE;
	add_os(&x, plan);
	if (plan->platform == CVM_PLATFORM_SEV_SNP || plan->platform == CVM_PLATFORM_SEV_ES ||
	    plan->platform == CVM_PLATFORM_SEV)
		add_cpu(&x);
	child(x.root, "on_poweroff", "destroy");
	child(x.root, "on_reboot", "restart");
	child(x.root, "on_crash", "destroy");
	add_devices(&x, plan);
	add_loading(&x, plan);
	xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 1);
	/* libvirt takes the document without the XML declaration as well. */
	const char *start = buf != NULL ? strstr((const char *)buf, "<domain") : NULL;
	plan->xml = g_strdup(start != NULL ? start : "");
	xmlFree(buf);
	return TRUE;
}
