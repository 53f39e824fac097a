/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl list / status / stop: through cvmd when it is reachable on --bus,
 * else in-process through libcvm (cvm/client.h), saying so on one line. */
#include "cvmctl/cvmctl.h"

#include <stdio.h>
#include <string.h>
#include <cvm/client.h>
#include <cvm/state.h>

typedef struct {
	gchar *bus;
	gboolean json;
	gchar *uri;
	gboolean force;
} GuestOpts;

static gboolean
parse(int *argc, char ***argv, const char *what, const char *const *not_mine, GuestOpts *o)
{
	GOptionEntry entries[] = {
		{ "bus", 0, 0, G_OPTION_ARG_STRING, &o->bus, "cvmd's bus: system, session or ADDRESS", "BUS" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "JSON output", NULL },
		{ "connect", 'c', 0, G_OPTION_ARG_STRING, &o->uri, "libvirt URI (in-process)", "URI" },
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &o->force, "power off at once (destroy)", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(what);

	cvmctl_entries_drop(entries, not_mine);
	g_option_context_add_main_entries(ctx, entries, NULL);
	return cvmctl_parse_options(ctx, argc, argv);
}

static json_object *
list_guests(const GuestOpts *o, GError **error)
{
	g_autoptr(CvmClient) c = cvmctl_client_or_local(o->bus);
	g_autofree gchar *dir = NULL;
	g_autofree gchar *uri = NULL;

	if (c != NULL)
		return cvm_client_list_guests(c, error);
	dir = cvmctl_state_dir(o->bus);
	uri = cvmctl_local_uri(o->uri, dir, error);
	return uri != NULL ? cvm_local_list_guests(dir, uri, error) : NULL;
}

json_object *
cvmctl_guest_status(CvmClient *client, const char *bus, const char *uri, const char *name, GError **error)
{
	g_autofree gchar *dir = NULL;
	g_autofree gchar *local_uri = NULL;
	json_object *arr, *found = NULL;

	if (client != NULL)
		return cvm_client_guest_status(client, name, error);
	dir = cvm_state_default_dir(g_strcmp0(bus, "session") != 0);
	local_uri = cvmctl_local_uri(uri, dir, error);
	arr = local_uri != NULL ? cvm_local_list_guests(dir, local_uri, error) : NULL;
	if (arr == NULL)
		return NULL;
	for (size_t i = 0; i < json_object_array_length(arr) && !found; i++) {
		json_object *g = json_object_array_get_idx(arr, i);

		if (g_strcmp0(cvm_record_get_string(g, "name", NULL), name) == 0)
			found = json_object_get(g);
	}
	json_object_put(arr);
	if (found == NULL)
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no guest named %s", name);
	return found;
}

/* QEMU's last words, indented under the status. */
static void
print_log_tail(FILE *out, const char *tail)
{
	g_auto(GStrv) lines = g_strsplit(tail, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++)
		fprintf(out, "  | %s\n", lines[i]);
}

gboolean
cvmctl_print_failure(json_object *status)
{
	const char *log = cvm_record_get_string(status, "qemu-log", NULL);
	const char *tail = cvm_record_get_string(status, "qemu-log-tail", NULL);
	const char *reason = cvm_record_get_string(status, "state-reason", NULL);

	if (log == NULL)
		return FALSE;
	fprintf(stderr, "cvmctl: %s is %s%s%s%s; QEMU's log %s ends:\n", cvm_record_get_string(status, "name", "?"),
		cvm_record_get_string(status, "state", "?"), reason ? " (" : "", reason ? reason : "", reason ? ")" : "",
		log);
	print_log_tail(stderr, tail ? tail : "(empty or unreadable)");
	return TRUE;
}

/* One guest action through cvmd, or in-process. */
static int
act(const GuestOpts *o, const char *name, const char *action)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmClient) c = cvmctl_client_or_local(o->bus);
	g_autofree gchar *dir = NULL;
	g_autofree gchar *uri = NULL;
	gboolean ok;

	if (c != NULL) {
		ok = cvm_client_guest_action(c, name, action, &error);
	} else {
		dir = cvmctl_state_dir(o->bus);
		uri = cvmctl_local_uri(o->uri, dir, &error);
		ok = uri != NULL && cvm_local_guest_action(dir, uri, name, action, &error);
	}
	return ok ? CVMCTL_EXIT_OK : cvmctl_error(error);
}

static void
print_guest(json_object *g, gboolean header)
{
	json_object *v;
	const char *name = "", *state = "", *platform = "";

	if (json_object_object_get_ex(g, "name", &v))
		name = json_object_get_string(v);
	if (json_object_object_get_ex(g, "state", &v))
		state = json_object_get_string(v);
	if (json_object_object_get_ex(g, "platform", &v))
		platform = json_object_get_string(v);
	if (header)
		printf("%-24s %-10s %s\n", "NAME", "STATE", "PLATFORM");
	printf("%-24s %-10s %s\n", name, state, platform);
}

static void
clear_opts(GuestOpts *o)
{
	g_free(o->bus);
	g_free(o->uri);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GuestOpts, clear_opts)

int
cvmctl_cmd_list(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	json_object *arr;

	if (!parse(&argc, &argv, "- list guests", (const char *[]){ "force", NULL }, &o))
		return CVMCTL_EXIT_USAGE;
	arr = list_guests(&o, &error);
	if (arr == NULL)
		return cvmctl_error(error);
	if (o.json)
		cvmctl_print_json(arr);
	else
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			print_guest(json_object_array_get_idx(arr, i), i == 0);
	json_object_put(arr);
	return CVMCTL_EXIT_OK;
}

int
cvmctl_cmd_status(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	json_object *arr, *found = NULL;

	if (!parse(&argc, &argv, "NAME - show one guest", (const char *[]){ "force", NULL }, &o) || argc != 2 ||
	    !cvm_name_is_valid(argv[1])) {
		fprintf(stderr, "cvmctl: status needs one valid guest name\n");
		return CVMCTL_EXIT_USAGE;
	}
	arr = list_guests(&o, &error);
	if (arr == NULL)
		return cvmctl_error(error);
	for (size_t i = 0; i < json_object_array_length(arr) && !found; i++) {
		json_object *g = json_object_array_get_idx(arr, i), *v;

		if (json_object_object_get_ex(g, "name", &v) && strcmp(json_object_get_string(v), argv[1]) == 0)
			found = g;
	}
	if (found == NULL) {
		g_set_error(&error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no guest named %s", argv[1]);
		json_object_put(arr);
		return cvmctl_error(error);
	}
	if (o.json) {
		cvmctl_print_json(found);
	} else {
		json_object_object_foreach(found, key, val)
			if (strcmp(key, "qemu-log-tail") != 0)
				printf("%-22s %s\n", key, json_object_get_string(val));
		if (cvm_record_get_string(found, "qemu-log-tail", NULL) != NULL) {
			printf("%-22s\n", "qemu-log-tail");
			print_log_tail(stdout, cvm_record_get_string(found, "qemu-log-tail", NULL));
		}
	}
	json_object_put(arr);
	return CVMCTL_EXIT_OK;
}

int
cvmctl_cmd_stop(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };

	if (!parse(&argc, &argv, "NAME - ask a guest to shut down", (const char *[]){ "json", NULL }, &o) || argc != 2 ||
	    !cvm_name_is_valid(argv[1])) {
		fprintf(stderr, "cvmctl: stop needs one valid guest name\n");
		return CVMCTL_EXIT_USAGE;
	}
	return act(&o, argv[1], o.force ? "destroy" : "stop");
}

int
cvmctl_cmd_forget(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };

	if (!parse(&argc, &argv, "NAME - power off and remove a guest", (const char *[]){ "json", "force", NULL }, &o) || argc != 2 ||
	    !cvm_name_is_valid(argv[1])) {
		fprintf(stderr, "cvmctl: forget needs one valid guest name\n");
		return CVMCTL_EXIT_USAGE;
	}
	return act(&o, argv[1], "forget");
}
