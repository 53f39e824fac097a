/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl migrate relay: cvm's own relay between an SVSM migration page and
 * a channel, in the foreground (one side of a migration; docs/migrate.md).
 * The page lives in a guest memory file (a QEMU memory-backend-file with
 * share=on, or a simulator's file) or in a running libvirt QEMU domain on
 * this host (reached in its process). Progress goes to stderr once a
 * second; Ctrl-C cancels and tells the peer. */
#include "cvmctl/cvmctl.h"

#include <cvm/error.h>
#include <cvm/launch.h>
#include <cvm/migrate.h>
#include <cvm/state.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static gboolean
parse_wire(const char *s, CvmMigrateWire *out)
{
	static const char *const names[] = {"auto", "cvm", "fork"};
	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_strcmp0(s, names[i]) == 0) {
			*out = (CvmMigrateWire)i;
			return TRUE;
		}
	return FALSE;
}

static json_object *
progress_json(CvmMigration *mig)
{
	CvmMigrateProgress p;
	json_object *o = json_object_new_object();

	cvm_migration_get_progress(mig, &p);
	json_object_object_add(o, "state", json_object_new_string(cvm_migrate_state_to_string(p.state)));
	json_object_object_add(o, "wire", json_object_new_string(cvm_migrate_wire_to_string(p.wire)));
	json_object_object_add(o, "blocks", json_object_new_int64((gint64)p.blocks));
	json_object_object_add(o, "bytes", json_object_new_int64((gint64)p.bytes));
	json_object_object_add(o, "resumes", json_object_new_int64((gint64)p.resumes));
	json_object_object_add(o, "elapsed-us", json_object_new_int64(p.elapsed_us));
	json_object_object_add(o, "rate-mib-s", json_object_new_double(p.elapsed_us > 0 ? (double)p.bytes /
								 p.elapsed_us * 1e6 / (1 << 20) : 0));
	return o;
}

static int
run(CvmMigration *mig)
{
	g_autoptr(GError) error = NULL;
	gint64 last = g_get_monotonic_time();
	CvmMigrateProgress p;

	cvmctl_catch_interrupts();
	if (!cvm_migration_start(mig, &error))
		return cvmctl_error(error);
	for (;;) {
		cvm_migration_get_progress(mig, &p);
		if (p.state == CVM_MIGRATE_STATE_COMPLETED || p.state == CVM_MIGRATE_STATE_FAILED ||
		    p.state == CVM_MIGRATE_STATE_CANCELLED)
			break;
		if (cvmctl_interrupted())
			cvm_migration_cancel(mig);
		if (g_get_monotonic_time() - last > G_USEC_PER_SEC) {
			fprintf(stderr, "cvmctl: %s, %" G_GUINT64_FORMAT " blocks\n", cvm_migrate_state_to_string(p.state),
				p.blocks);
			last = g_get_monotonic_time();
		}
		g_usleep(20000);
	}
	gboolean ok = cvm_migration_wait(mig, &error);
	json_object *o = progress_json(mig);
	cvmctl_print_json(o);
	json_object_put(o);
	return ok ? CVMCTL_EXIT_OK : cvmctl_error(error);
}

/* The page: in a file, or in a domain's QEMU process. */
static CvmGuestMemory *
open_page(const char *memory, guint64 base, const char *domain, const char *connect, guint64 gpa,
	  GError **error)
{
	if (memory != NULL)
		return cvm_guest_memory_new_file(memory, base, TRUE, error);
	g_autofree gchar *dir = cvm_state_default_dir(TRUE);
	g_autofree gchar *uri = cvmctl_local_uri(connect, dir, error);
	virConnectPtr conn = uri ? cvm_libvirt_open(uri, error) : NULL;
	virDomainPtr dom = conn ? virDomainLookupByName(conn, domain) : NULL;
	CvmGuestMemory *mem = NULL;

	if (conn != NULL && dom == NULL)
		cvm_libvirt_set_error(error, "domain %s", domain);
	if (dom != NULL) {
		mem = cvm_guest_memory_new_qemu(dom, gpa, CVM_MIGRATE_PAGE_SIZE, error);
		virDomainFree(dom);
	}
	/* The accessor holds the process, not the connection. */
	cvm_libvirt_close(conn);
	return mem;
}

static int
relay(int argc, char **argv)
{
	g_autofree gchar *role = NULL, *memory = NULL, *uri = NULL, *wire = NULL, *domain = NULL, *connect = NULL;
	gint64 base = 0, page = -1;
	gint timeout = 30000, io_timeout = 30000, reconnect = 10000;
	GOptionEntry entries[] = {
		{ "role", 0, 0, G_OPTION_ARG_STRING, &role, "source (page -> channel) or dest (channel -> page)", "R" },
		{ "memory", 0, 0, G_OPTION_ARG_FILENAME, &memory, "guest memory file holding the page", "FILE" },
		{ "base", 0, 0, G_OPTION_ARG_INT64, &base, "guest-physical address of the file's first byte", "GPA" },
		{ "domain", 0, 0, G_OPTION_ARG_STRING, &domain, "or: a running QEMU domain on this host", "NAME" },
		{ "connect", 'c', 0, G_OPTION_ARG_STRING, &connect, "libvirt URI of --domain", "URI" },
		{ "page-gpa", 0, 0, G_OPTION_ARG_INT64, &page, "guest-physical address of the migration page", "GPA" },
		{ "uri", 0, 0, G_OPTION_ARG_STRING, &uri, "tcp:HOST:PORT, unix:PATH or vsock:CID:PORT", "URI" },
		{ "wire", 0, 0, G_OPTION_ARG_STRING, &wire, "auto (default), cvm or fork", "W" },
		{ "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "ms for connect and for the SVSM (default 30000)", "MS" },
		{ "io-timeout", 0, 0, G_OPTION_ARG_INT, &io_timeout, "ms a silent peer is given (default 30000)", "MS" },
		{ "reconnect", 0, 0, G_OPTION_ARG_INT, &reconnect, "ms to resume a dropped link, 0: abort (default 10000)",
		  "MS" },
		CVMCTL_ENTRY_JSON_ALWAYS,
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- relay an SVSM migration page over a channel");
	g_autoptr(GError) error = NULL;
	CvmMigrateOptions opts;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	cvm_migrate_options_init(&opts);
	if (role == NULL || (memory == NULL) == (domain == NULL) || uri == NULL || page < 0 || timeout <= 0 || io_timeout <= 0 ||
	    reconnect < 0 || (strcmp(role, "source") != 0 && strcmp(role, "dest") != 0) ||
	    (wire != NULL && !parse_wire(wire, &opts.wire))) {
		fprintf(stderr, "cvmctl: migrate relay needs --role source|dest --memory FILE|--domain NAME "
				"--page-gpa GPA --uri URI\n");
		return CVMCTL_EXIT_USAGE;
	}
	opts.role = strcmp(role, "source") == 0 ? CVM_MIGRATE_ROLE_SOURCE : CVM_MIGRATE_ROLE_DEST;
	opts.page_gpa = (guint64)page;
	opts.uri = uri;
	opts.connect_timeout_ms = opts.page_timeout_ms = (guint)timeout;
	opts.io_timeout_ms = (guint)io_timeout;
	opts.heartbeat_ms = MIN(opts.heartbeat_ms, opts.io_timeout_ms / 3 + 1);
	opts.reconnect_timeout_ms = (guint)reconnect;
	g_autoptr(CvmGuestMemory) mem = open_page(memory, (guint64)base, domain, connect, opts.page_gpa, &error);
	if (mem == NULL)
		return cvmctl_error(error);
	opts.memory = mem;
	g_autoptr(CvmMigration) mig = cvm_migration_new(&opts, &error);
	if (mig == NULL)
		return cvmctl_error(error);
	if (cvm_migration_get_listen_uri(mig) != NULL) {
		printf("listening %s\n", cvm_migration_get_listen_uri(mig));
		fflush(stdout);
	}
	return run(mig);
}

int
cvmctl_cmd_migrate(int argc, char **argv)
{
	static const CvmctlCommand table[] = {
		{ "start", cvmctl_migrate_guest, "GUEST --to URI: migrate a guest (also: cvmctl migrate GUEST --to URI)" },
		{ "status", cvmctl_migrate_status, "[ID]: migration jobs in cvmd" },
		{ "cancel", cvmctl_migrate_cancel, "ID: cancel a migration job in cvmd" },
		{ "relay", relay, "Relay an SVSM migration page over a channel (one side, foreground)" },
	};
	/* `cvmctl migrate GUEST --to URI` is the common form. */
	if (argc >= 2 && argv[1][0] != '-') {
		gboolean sub = g_strcmp0(argv[1], "help") == 0;
		for (gsize i = 0; i < G_N_ELEMENTS(table); i++)
			sub = sub || g_strcmp0(argv[1], table[i].name) == 0;
		if (!sub)
			return cvmctl_migrate_guest(argc, argv);
	}
	return cvmctl_dispatch("cvmctl migrate", table, G_N_ELEMENTS(table), argc, argv);
}
