/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl: one file per command group, a table in main.c picks the entry. */
#pragma once

#include <glib.h>
#include <cvm/client.h>

/* Exit codes, the table in docs/cvmctl.md. A failure with a GError gets its
 * code from cvmctl_exit_code() only, never chosen by the command. */
enum {
	CVMCTL_EXIT_OK = 0,
	CVMCTL_EXIT_FAILURE = 1,      /* the operation failed (I/O, libvirt, bad input data, ...) */
	CVMCTL_EXIT_USAGE = 2,        /* bad command line or argument (unknown platform, out of range) */
	CVMCTL_EXIT_CHECK_FAILED = 3, /* a check ran and found problems (validate, verify, mismatch) */
	CVMCTL_EXIT_UNAVAILABLE = 4,  /* not there: guest, file, cvmd, host or file feature */
	CVMCTL_EXIT_DENIED = 5,       /* permission or host policy denied */
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
int cvmctl_cmd_start(int argc, char **argv);
int cvmctl_cmd_reboot(int argc, char **argv);
int cvmctl_cmd_launch(int argc, char **argv);
int cvmctl_cmd_domxml(int argc, char **argv);
int cvmctl_cmd_host(int argc, char **argv);
int cvmctl_cmd_console(int argc, char **argv);
int cvmctl_cmd_forget(int argc, char **argv);
int cvmctl_cmd_fwupdate(int argc, char **argv);
int cvmctl_cmd_migrate(int argc, char **argv);
int cvmctl_cmd_firmware(int argc, char **argv);
/* migrate-guest.c */
int cvmctl_migrate_guest(int argc, char **argv);
int cvmctl_migrate_status(int argc, char **argv);
int cvmctl_migrate_cancel(int argc, char **argv);

/* The IGVM file of --firmware auto (the first host descriptor that can
 * launch @platform) or NAME (a descriptor's file name) (cvmctl/launch-firmware.c). */
#include <cvm/launch.h>
gchar *cvmctl_launch_firmware(const char *choice, CvmPlatform platform, GError **error);

/* Shared helpers (cvmctl/common.c). */

/* Parse @argv with @context; on failure print the message and the usage hint
 * and return FALSE (the caller exits with CVMCTL_EXIT_USAGE). */
gboolean cvmctl_parse_options(GOptionContext *context, int *argc, char ***argv);

/* The exit code for @error by its domain and code (cvmctl/exit.c): CVM_ERROR
 * (also cvmd's remote errors), G_FILE_ERROR, G_IO_ERROR, G_DBUS_ERROR and
 * G_OPTION_ERROR; anything else is CVMCTL_EXIT_FAILURE. */
int cvmctl_exit_code(const GError *error);

/* Print "cvmctl: <message>" to stderr and return cvmctl_exit_code(@error):
 * every command's failure path with a GError ends here. */
int cvmctl_error(const GError *error);

/* Removes (in place) from the NULL-terminated @entries those whose long name
 * is in @names (NULL-terminated): one table serves several commands and each
 * command's --help lists only its own options. */
void cvmctl_entries_drop(GOptionEntry *entries, const char *const *names);

/* The --json of a command whose only output is JSON: accepted, so that every
 * command printing structured data takes --json; it changes nothing. */
extern gboolean cvmctl_json_always;
#define CVMCTL_ENTRY_JSON_ALWAYS \
	{ "json", 0, 0, G_OPTION_ARG_NONE, &cvmctl_json_always, "JSON output (its only output)", NULL }

/* Print a json-c object to stdout, pretty and with a trailing newline; a
 * "created" number of seconds is printed as an RFC 3339 string. */
struct json_object;
void cvmctl_print_json(struct json_object *obj);

/* The libvirt URI of the in-process path: @explicit_uri, else
 * $CVM_LIBVIRT_URI, else qemu:///system when its socket exists, else the
 * embedded driver under @state_dir (whose qemu.conf is written first). */
gchar *cvmctl_local_uri(const char *explicit_uri, const char *state_dir, GError **error);

/* Prints a serial log and, with @follow, what is appended to it until
 * Ctrl-C or @timeout_s seconds (0: no limit) (cvmctl/console.c). */
int cvmctl_follow_log_for(const char *path, gboolean follow, gdouble timeout_s);

/* The guest operations, through cvmd or in-process (cvmctl/ops.h). */
typedef struct _CvmctlOps CvmctlOps;

/* Like cvmctl_follow_log_for() with follow, for a guest that was just
 * launched: every 2 s its status is asked through @ops; when it has failed,
 * crashed or stopped on an error, why (cvmctl_print_failure()) and
 * CVMCTL_EXIT_FAILURE. */
int cvmctl_follow_guest(const char *path, CvmctlOps *ops, const char *name);

/* One guest's status (the JSON of `cvmctl status --json`) (cvmctl/guests.c). */
json_object *cvmctl_guest_status(CvmctlOps *ops, const char *name, GError **error);

/* When @status says the guest failed (cvm_guest_status_diagnose() found
 * QEMU's log for it), prints its state, reason and QEMU's last lines to
 * stderr and returns TRUE. */
gboolean cvmctl_print_failure(struct json_object *status);

/* @value within [@min, @max], else CVM_ERROR_INVALID_ARGUMENT naming
 * @option, the value and the allowed range. */
gboolean cvmctl_check_range(const char *option, gint64 value, gint64 min, gint64 max, GError **error);

/* @argc is @want_args and argv[1] a valid guest name; else prints @usage
 * (with cvm_name_check()'s message for a bad name) and returns FALSE. */
gboolean cvmctl_guest_arg(int argc, char **argv, int want_args, const char *usage);

/* Exactly 2 * @len hex digits of @hex into @out; @what names the option in
 * the CVM_ERROR_INVALID_ARGUMENT message. */
gboolean cvmctl_parse_hex(const char *hex, guint8 *out, gsize len, const char *what, GError **error);

/* "512M", "2G", "1024" (MiB) into bytes. */
gboolean cvmctl_parse_size(const char *text, guint64 *out, GError **error);

/* Choosing the daemon (cvmctl/daemon.c). */

/* cvmctl's own --bus (before the command) and -v/--verbose. */
void cvmctl_set_bus(const char *bus);
void cvmctl_set_verbose(gboolean on);
gboolean cvmctl_verbose(void);

/* With -v: print "cvmctl: <message>" to stderr; else nothing. */
void cvmctl_note(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* The bus the user named: @bus (a command's --bus), else cvmctl's --bus,
 * else $CVM_BUS; NULL when none was named (try system, then session). */
const char *cvmctl_bus_choice(const char *bus);

/* cvmd on the chosen bus; with none chosen on the system bus, else on the
 * session bus when one exists. @used (optional) is set to the bus tried
 * last. CVM_ERROR_NOT_FOUND when cvmd is on none of them. */
CvmClient *cvmctl_connect(const char *bus, const char **used, GError **error);

/* The state folder of the in-process path, matching the cvmd it stands in
 * for: $CVM_STATE_DIR, else the user's folder for the session bus (and,
 * with no bus named, for any user but root), else /var/lib/cvm. */
gchar *cvmctl_state_dir(const char *bus);

/* Run @loop until SIGINT or SIGTERM. */
void cvmctl_run_until_signal(GMainLoop *loop);

/* For loops that poll: from now on SIGINT and SIGTERM only set a flag,
 * which cvmctl_interrupted() returns and clears. */
void cvmctl_catch_interrupts(void);
gboolean cvmctl_interrupted(void);

/* Dispatch to a subcommand table (for groups like "igvm inspect"). */
int cvmctl_dispatch(const char *group, const CvmctlCommand *table, gsize n, int argc, char **argv);
