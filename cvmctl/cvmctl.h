/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl: one file per command group, a table in main.c picks the entry. */
#pragma once

#include <glib.h>
#include <cvm/client.h>

/* Exit codes, documented in docs/cvmctl.md. */
enum {
	CVMCTL_EXIT_OK = 0,
	CVMCTL_EXIT_FAILURE = 1,      /* the operation failed */
	CVMCTL_EXIT_USAGE = 2,        /* bad command line */
	CVMCTL_EXIT_CHECK_FAILED = 3, /* a check ran and found problems (validate, verify, measure --expect) */
	CVMCTL_EXIT_UNAVAILABLE = 4,  /* a host feature, daemon or guest is not available */
};

typedef struct {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command's name */
	const char *summary;
} CvmctlCommand;

/* Entry points, one per command group (cvmctl/<group>.c). */
int cvmctl_cmd_version(int argc, char **argv);
int cvmctl_cmd_measure(int argc, char **argv);
int cvmctl_cmd_igvm(int argc, char **argv);
int cvmctl_cmd_attest(int argc, char **argv);
int cvmctl_cmd_list(int argc, char **argv);
int cvmctl_cmd_status(int argc, char **argv);
int cvmctl_cmd_stop(int argc, char **argv);
int cvmctl_cmd_launch(int argc, char **argv);
int cvmctl_cmd_domxml(int argc, char **argv);
int cvmctl_cmd_console(int argc, char **argv);
int cvmctl_cmd_forget(int argc, char **argv);
int cvmctl_cmd_fwupdate(int argc, char **argv);
int cvmctl_cmd_migrate(int argc, char **argv);
/* migrate-guest.c */
int cvmctl_migrate_guest(int argc, char **argv);
int cvmctl_migrate_status(int argc, char **argv);
int cvmctl_migrate_cancel(int argc, char **argv);

/* Shared helpers (cvmctl/common.c). */

/* Parse @argv with @context; on failure print the message and the usage hint
 * and return FALSE (the caller exits with CVMCTL_EXIT_USAGE). */
gboolean cvmctl_parse_options(GOptionContext *context, int *argc, char ***argv);

/* Print "cvmctl: <message>" to stderr and return @exit_code. */
int cvmctl_fail(const GError *error, int exit_code);

/* Print a json-c object to stdout, pretty and with a trailing newline. */
struct json_object;
void cvmctl_print_json(struct json_object *obj);

/* The libvirt URI of the in-process path: @explicit_uri, else
 * $CVM_LIBVIRT_URI, else qemu:///system when its socket exists, else the
 * embedded driver under @state_dir (whose qemu.conf is written first). */
gchar *cvmctl_local_uri(const char *explicit_uri, const char *state_dir, GError **error);

/* Prints a serial log and, with @follow, what is appended to it until
 * Ctrl-C or @timeout_s seconds (0: no limit) (cvmctl/console.c). */
int cvmctl_follow_log_for(const char *path, gboolean follow, gdouble timeout_s);

/* Like cvmctl_follow_log_for() with follow, for a guest that was just
 * launched: every 2 s its status is asked (through @client, else
 * in-process on @bus's state and @uri); when it has failed, crashed or
 * stopped on an error, why (cvmctl_print_failure()) and CVMCTL_EXIT_FAILURE. */
int cvmctl_follow_guest(const char *path, CvmClient *client, const char *bus, const char *uri, const char *name);

/* One guest's status (the JSON of `cvmctl status --json`) through @client,
 * else in-process (cvmctl/guests.c). */
json_object *cvmctl_guest_status(CvmClient *client, const char *bus, const char *uri, const char *name,
				 GError **error);

/* When @status says the guest failed (cvm_guest_status_diagnose() found
 * QEMU's log for it), prints its state, reason and QEMU's last lines to
 * stderr and returns TRUE. */
gboolean cvmctl_print_failure(struct json_object *status);

/* "512M", "2G", "1024" (MiB) into bytes. */
gboolean cvmctl_parse_size(const char *text, guint64 *out, GError **error);

/* cvmd on @bus (NULL: the system bus), or NULL after printing the one line
 * that says the command runs in-process. */
CvmClient *cvmctl_client_or_local(const char *bus);

/* Run @loop until SIGINT or SIGTERM. */
void cvmctl_run_until_signal(GMainLoop *loop);

/* For loops that poll: from now on SIGINT and SIGTERM only set a flag,
 * which cvmctl_interrupted() returns and clears. */
void cvmctl_catch_interrupts(void);
gboolean cvmctl_interrupted(void);

/* Dispatch to a subcommand table (for groups like "igvm inspect"). */
int cvmctl_dispatch(const char *group, const CvmctlCommand *table, gsize n, int argc, char **argv);
