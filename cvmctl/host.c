/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl host: what launch's probe finds on this host (libvirt and QEMU
 * versions, IGVM loader, KVM, SEV, SEV-SNP, TDX). Its --json is the host
 * facts file `cvmctl domxml --host-facts` takes on another machine. */
#include "cvmctl/cvmctl.h"

#include <cvm/error.h>
#include <cvm/host.h>
#include <cvm/launch.h>
#include <cvm/state.h>
#include <json-c/json.h>
#include <stdio.h>

/* The platforms launch could pick here, as cvmd's Capabilities lists them. */
static json_object *
platforms(const CvmHostInfo *host)
{
	json_object *a = json_object_new_array();

	for (const CvmPlatform *p = cvm_launch_platforms(); *p != CVM_PLATFORM_AUTO; p++)
		if (cvm_launch_host_supports(host, *p, NULL))
			json_object_array_add(a, json_object_new_string(cvm_platform_to_string(*p)));
	return a;
}

static gchar *
version(gulong v)
{
	return g_strdup_printf("%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
}

static void
print_text(const CvmHostInfo *h)
{
	g_autofree gchar *lv = version(h->libvirt_version);
	g_autofree gchar *qv = version(h->qemu_version);

	printf("libvirt %s, QEMU %s%s\n", lv, qv, h->qemu_igvm ? " (igvm-cfg)" : " (no igvm-cfg)");
	printf("kvm %s, sev %s, sev-snp %s, tdx %s, snp-id-block %s\n", h->kvm ? "yes" : "no", h->sev ? "yes" : "no",
	       h->sev_snp ? "yes" : "no", h->tdx ? "yes" : "no", h->snp_id_block ? "yes" : "no");
	printf("platforms:");
	for (const CvmPlatform *p = cvm_launch_platforms(); *p != CVM_PLATFORM_AUTO; p++) {
		if (cvm_launch_host_supports(h, *p, NULL))
			printf(" %s", cvm_platform_to_string(*p));
	}
	printf("\n");
}

int
cvmctl_cmd_host(int argc, char **argv)
{
	g_autofree gchar *uri_opt = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "connect", 'c', 0, G_OPTION_ARG_STRING, &uri_opt, "libvirt URI", "URI" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "the host facts as JSON (domxml --host-facts reads it)", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- show what this host can launch");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = cvm_state_default_dir(TRUE);
	g_autofree gchar *uri = NULL;
	virConnectPtr conn;
	CvmHostInfo host;

	g_option_context_add_main_entries(context, entries, NULL);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	uri = cvmctl_local_uri(uri_opt, dir, &error);
	conn = uri != NULL ? cvm_libvirt_open(uri, &error) : NULL;
	if (conn == NULL)
		return cvmctl_error(error);
	gboolean probed = cvm_host_probe(conn, &host, &error);
	cvm_libvirt_close(conn);
	if (!probed)
		return cvmctl_error(error);
	if (json) {
		json_object *o = cvm_host_info_to_json(&host);

		json_object_object_add(o, "platforms", platforms(&host));
		cvmctl_print_json(o);
		json_object_put(o);
	} else {
		print_text(&host);
	}
	return CVMCTL_EXIT_OK;
}
