/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl attest certs: import SNP certificate tables into the store
 * (<state>/snp-certs) and serve the certificate endpoint in the foreground. */
#include "cvmctl/attest.h"
#include "cvmctl/cvmctl.h"

#include <cvm/attest-certs.h>
#include <cvm/error.h>
#include <cvm/state.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

static CvmSnpCertStore *
open_store(GError **error)
{
	g_autofree gchar *state = cvm_state_default_dir(TRUE);
	g_autofree gchar *dir = g_build_filename(state, "snp-certs", NULL);
	return cvm_snp_cert_store_open(dir, error);
}

static int
import(int argc, char **argv)
{
	g_autofree gchar *chip_hex = NULL, *tcb_hex = NULL, *data = NULL;
	GOptionEntry entries[] = {
		{ "chip-id", 0, 0, G_OPTION_ARG_STRING, &chip_hex, "the chip ID, 128 hex digits", "HEX" },
		{ "tcb", 0, 0, G_OPTION_ARG_STRING, &tcb_hex, "the REPORTED_TCB the table's VCEK is for", "HEX" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("TABLE - store an SNP certificate table");
	g_autoptr(GError) error = NULL;
	guint8 chip[64];
	gsize len;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 2 || chip_hex == NULL || tcb_hex == NULL || strlen(chip_hex) != 128) {
		fprintf(stderr, "cvmctl: attest certs import --chip-id HEX --tcb HEX TABLE\n");
		return CVMCTL_EXIT_USAGE;
	}
	for (guint i = 0; i < 64; i++) {
		gint hi = g_ascii_xdigit_value(chip_hex[2 * i]), lo = g_ascii_xdigit_value(chip_hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			fprintf(stderr, "cvmctl: --chip-id takes 128 hex digits\n");
			return CVMCTL_EXIT_USAGE;
		}
		chip[i] = (guint8)(hi << 4 | lo);
	}
	if (!g_file_get_contents(argv[1], &data, &len, &error))
		return cvmctl_error(error);
	g_autoptr(CvmSnpCertStore) store = open_store(&error);
	g_autoptr(GBytes) table = g_bytes_new_take(g_steal_pointer(&data), len);
	if (store == NULL || !cvm_snp_cert_store_import(store, chip, g_ascii_strtoull(tcb_hex, NULL, 16), table, &error))
		return cvmctl_error(error);
	return CVMCTL_EXIT_OK;
}

static int
serve(int argc, char **argv)
{
	g_autofree gchar *listen = NULL, *fill = NULL;
	gint fill_timeout = 60000;
	GOptionEntry entries[] = {
		{ "listen", 0, 0, G_OPTION_ARG_FILENAME, &listen, "the endpoint: a unix socket path or vsock:CID:PORT", "ADDRESS" },
		{ "fill-command", 0, 0, G_OPTION_ARG_STRING, &fill,
		  "fetch missing tables with CMD CHIP_ID TCB (table on stdout)", "CMD" },
		{ "fill-timeout", 0, 0, G_OPTION_ARG_INT, &fill_timeout, "how long the fill command may run (default 60000)", "MS" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- serve the SNP certificate endpoint");
	g_autoptr(GError) error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	g_auto(GStrv) fill_argv = NULL;
	if (listen == NULL || fill_timeout <= 0 || (fill != NULL && !g_shell_parse_argv(fill, NULL, &fill_argv, &error))) {
		fprintf(stderr, "cvmctl: attest certs serve --listen ADDRESS [--fill-command CMD] [--fill-timeout MS]%s%s\n",
			error ? ": " : "", error ? error->message : "");
		return CVMCTL_EXIT_USAGE;
	}
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(CvmSnpCertStore) store = open_store(&error);
	if (store != NULL)
		cvm_snp_cert_store_set_fill_command(store, (const char *const *)fill_argv, (guint)fill_timeout);
	g_autoptr(CvmSnpCertEndpoint) e = store ? cvm_snp_cert_endpoint_new(store, listen, &error) : NULL;
	if (e == NULL)
		return cvmctl_error(error);
	printf("serving SNP certificates on %s\n", listen);
	fflush(stdout);
	cvmctl_run_until_signal(loop);
	return CVMCTL_EXIT_OK;
}

int
cvmctl_attest_certs(int argc, char **argv)
{
	static const CvmctlCommand table[] = {
		{ "import", import, "Store an SNP certificate table for a chip and TCB" },
		{ "serve", serve, "Serve the SNP certificate endpoint (KVM_EXIT_SNP_REQ_CERTS) in the foreground" },
	};
	return cvmctl_dispatch("cvmctl attest certs", table, G_N_ELEMENTS(table), argc, argv);
}
