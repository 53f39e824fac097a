/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state folder (cvm/state.h): guest names, and records written atomically, read and removed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <cvm/state.h>
#include <cvm/guest-record.h>
#include "libcvm/libcvm-internal.h"

/* Records are small; a bigger file is not ours and is set aside as corrupt.
 * The writer refuses the same size, so cvm never writes what it refuses. */
#define RECORD_MAX CVM_STATE_RECORD_MAX

/* The owner lock: cvmd holds an exclusive flock on it for as long as it
 * runs; the file says its pid. */
#define OWNER_FILE "cvmd.lock"

struct _CvmState {
	gchar *dir;
	int owner_fd; /* the owner lock while this handle owns the folder, else -1 */
	CvmGuestRecordWriter writer;
	gpointer writer_data;
};

static gboolean io_error(GError **error, const char *what, const char *path);

gboolean
cvm_name_is_valid(const char *name)
{
	gsize n;

	if (name == NULL)
		return FALSE;
	for (n = 0; name[n] != '\0'; n++) {
		if (n >= 64)
			return FALSE;
		if (!g_ascii_isalnum(name[n]) && name[n] != '_' && name[n] != '.' && name[n] != '-')
			return FALSE;
	}
	return n > 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

gboolean
cvm_name_check(const char *what, const char *name, GError **error)
{
	if (cvm_name_is_valid(name))
		return TRUE;
	/* The one wording of the rule, wherever a name comes in. */
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
		    "invalid %s \"%s\": a name is 1 to 64 of [A-Za-z0-9_.-], not \".\" or \"..\"", what,
		    name ? name : "");
	return FALSE;
}

gchar *
cvm_state_default_dir(gboolean system)
{
	const char *env = g_getenv("CVM_STATE_DIR");

	if (env != NULL && *env != '\0')
		return g_strdup(env);
	if (system)
		return g_strdup("/var/lib/cvm");
	return g_build_filename(g_get_user_state_dir(), "cvm", NULL);
}

CvmState *
cvm_state_open(const char *dir, GError **error)
{
	CvmState *state;

	if (dir == NULL || !g_path_is_absolute(dir)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "state directory must be an absolute path");
		return NULL;
	}
	/* 0711: QEMU, run as libvirt-qemu, reaches guests.d/NAME below it
	 * (docs/launch.md); records and keys stay in 0700 subdirectories. */
	if (g_mkdir_with_parents(dir, 0711) < 0) {
		int e = errno;

		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot create state directory %s: %s",
			    dir, g_strerror(e));
		return NULL;
	}
	state = g_new0(CvmState, 1);
	state->dir = g_strdup(dir);
	state->owner_fd = -1;
	return state;
}

void
cvm_state_free(CvmState *state)
{
	if (state == NULL)
		return;
	if (state->owner_fd >= 0)
		close(state->owner_fd); /* drops the flock */
	g_free(state->dir);
	g_free(state);
}

/* The pid the owner wrote into its lock file, or 0. */
static gint64
owner_pid(int fd)
{
	char buf[32] = { 0 };
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? g_ascii_strtoll(buf, NULL, 10) : 0;
}

static gboolean
owned_error(GError **error, const char *dir, gint64 pid)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_BUSY,
		    "the state folder %s is owned by cvmd (pid %" G_GINT64_FORMAT "); use cvmctl through "
		    "the bus that cvmd serves (--bus system|session|ADDRESS) instead of in-process",
		    dir, pid);
	return FALSE;
}

gboolean
cvm_state_claim(CvmState *state, GError **error)
{
	g_autofree gchar *path = g_build_filename(state->dir, OWNER_FILE, NULL);
	g_autofree gchar *pid = g_strdup_printf("%d\n", (int)getpid());
	int fd;

	if (state->owner_fd >= 0)
		return TRUE;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return io_error(error, "cannot open", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		gint64 other = owner_pid(fd);

		close(fd);
		if (e == EWOULDBLOCK)
			return owned_error(error, state->dir, other);
		errno = e;
		return io_error(error, "cannot lock", path);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
		io_error(error, "cannot write", path);
		close(fd);
		return FALSE;
	}
	state->owner_fd = fd;
	return TRUE;
}

gboolean
cvm_state_dir_check_owner(const char *dir, GError **error)
{
	g_autofree gchar *path = g_build_filename(dir, OWNER_FILE, NULL);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	gboolean free_now;

	if (fd < 0)
		return TRUE; /* never owned (or not readable: then not ours to judge) */
	/* A shared lock is granted unless the owner's exclusive one is held;
	 * it is dropped at once: this only asks. */
	free_now = flock(fd, LOCK_SH | LOCK_NB) == 0;
	if (!free_now && errno == EWOULDBLOCK)
		owned_error(error, dir, owner_pid(fd));
	else
		free_now = TRUE;
	close(fd);
	return free_now;
}

/* Writers that do not own the folder ask first: a running owner is the one
 * writer. */
static gboolean
check_writable(CvmState *state, GError **error)
{
	return state->owner_fd >= 0 || cvm_state_dir_check_owner(state->dir, error);
}

void
cvm_guest_record_set_writer(CvmState *state, CvmGuestRecordWriter writer, gpointer data)
{
	state->writer = writer;
	state->writer_data = data;
}

CvmGuestRecordWriter
cvmi_state_guest_writer(CvmState *state, gpointer *data)
{
	*data = state->writer_data;
	return state->writer;
}

const char *
cvm_state_get_dir(const CvmState *state)
{
	return state->dir;
}

static gboolean
check_names(const char *kind, const char *name, GError **error)
{
	return cvm_name_check("state record kind", kind, error) && cvm_name_check("state record name", name, error);
}

static gboolean
io_error(GError **error, const char *what, const char *path)
{
	int e = errno;

	g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s %s: %s", what, path, g_strerror(e));
	return FALSE;
}

static gboolean
write_all(int fd, const char *data, gsize len, const char *path, GError **error)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_error(error, "cannot write", path);
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

static gboolean
fsync_dir(const char *dir, GError **error)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	gboolean ok;

	if (fd < 0)
		return io_error(error, "cannot open", dir);
	ok = fsync(fd) == 0 || io_error(error, "cannot fsync", dir);
	close(fd);
	return ok;
}

gboolean
cvm_state_write(CvmState *state, const char *kind, const char *name, json_object *record,
		GError **error)
{
	g_autofree gchar *kdir = NULL, *path = NULL, *tmp = NULL;
	const char *text;
	int fd;

	if (!check_names(kind, name, error) || !check_writable(state, error))
		return FALSE;
	text = json_object_to_json_string_ext(record, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strlen(text) + 1 > RECORD_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "record %s/%s would be %zu bytes; the limit is %d", kind, name, strlen(text) + 1, RECORD_MAX);
		return FALSE;
	}
	kdir = g_build_filename(state->dir, kind, NULL);
	if (g_mkdir_with_parents(kdir, 0700) < 0)
		return io_error(error, "cannot create", kdir);
	path = g_strdup_printf("%s/%s.json", kdir, name);
	tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
	fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return io_error(error, "cannot create", tmp);
	if (!write_all(fd, text, strlen(text), tmp, error) ||
	    !write_all(fd, "\n", 1, tmp, error) ||
	    (fsync(fd) < 0 && !io_error(error, "cannot fsync", tmp))) {
		close(fd);
		g_unlink(tmp);
		return FALSE;
	}
	close(fd);
	cvmi_test_fault("state-write-renaming");
	if (g_rename(tmp, path) < 0) {
		io_error(error, "cannot rename into", path);
		g_unlink(tmp);
		return FALSE;
	}
	return fsync_dir(kdir, error);
}

/* Renames a bad record out of the way so the next load does not trip on it. */
static gchar *
set_aside(const char *path)
{
	gchar *dest = g_strdup_printf("%s.corrupt-%" G_GINT64_FORMAT, path,
				      g_get_real_time() / G_USEC_PER_SEC);

	if (g_rename(path, dest) < 0) {
		g_free(dest);
		return NULL;
	}
	return dest;
}

static json_object *
read_path(const char *kind, const char *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree gchar *aside = NULL;
	gsize len = 0;
	json_object *obj = NULL;
	struct stat st;

	if (g_stat(path, &st) < 0) {
		int e = errno;

		g_set_error(error, CVM_ERROR, e == ENOENT ? CVM_ERROR_NOT_FOUND : CVM_ERROR_IO,
			    "cannot read %s: %s", path, g_strerror(e));
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > RECORD_MAX)
		g_set_error(&local, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "%s is not a regular file of at most %d bytes", path, RECORD_MAX);
	else if (!g_file_get_contents(path, &data, &len, &local))
		;
	else if ((obj = cvmi_json_parse(data, len, path, &local)) != NULL &&
		 !json_object_is_type(obj, json_type_object)) {
		g_clear_pointer(&obj, json_object_put);
		g_set_error(&local, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "%s: record is not a JSON object", path);
	} else if (obj != NULL && strcmp(kind, "guests") == 0 && !cvm_guest_record_check(obj, &local)) {
		g_clear_pointer(&obj, json_object_put);
		g_prefix_error(&local, "%s: ", path);
	}
	if (obj != NULL)
		return obj;
	if (local->domain != CVM_ERROR || local->code != CVM_ERROR_INVALID_DATA) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s", local->message);
		return NULL;
	}
	aside = set_aside(path);
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "%s; set aside as %s",
		    local->message, aside ? aside : "(rename failed)");
	return NULL;
}

json_object *
cvm_state_read(CvmState *state, const char *kind, const char *name, GError **error)
{
	g_autofree gchar *path = NULL;

	if (!check_names(kind, name, error))
		return NULL;
	path = g_strdup_printf("%s/%s/%s.json", state->dir, kind, name);
	return read_path(kind, path, error);
}

gboolean
cvm_state_remove(CvmState *state, const char *kind, const char *name, GError **error)
{
	g_autofree gchar *path = NULL, *kdir = NULL;

	if (!check_names(kind, name, error) || !check_writable(state, error))
		return FALSE;
	kdir = g_build_filename(state->dir, kind, NULL);
	path = g_strdup_printf("%s/%s.json", kdir, name);
	cvmi_test_fault("state-removing");
	if (g_unlink(path) < 0) {
		if (errno == ENOENT)
			return TRUE;
		return io_error(error, "cannot remove", path);
	}
	return fsync_dir(kdir, error);
}

static void
put_json(gpointer obj)
{
	json_object_put(obj);
}

static void
load_entry(const char *kind, const char *kdir, const char *entry, GHashTable *table, GPtrArray *problems,
	   GPtrArray *set_aside, gboolean writable)
{
	g_autofree gchar *name = NULL, *path = NULL;
	g_autoptr(GError) err = NULL;
	json_object *obj;

	if (strstr(entry, ".json.tmp-") != NULL) {
		/* a writer killed between mkstemp and rename; the record it was
		 * replacing (if any) is intact under its real name. With a
		 * running owner it may be the owner's write under way. */
		path = g_build_filename(kdir, entry, NULL);
		if (writable)
			g_unlink(path);
		return;
	}
	if (!g_str_has_suffix(entry, ".json"))
		return; /* set-aside files */
	name = g_strndup(entry, strlen(entry) - strlen(".json"));
	path = g_build_filename(kdir, entry, NULL);
	if (!cvm_name_check("state record name", name, &err)) {
		g_ptr_array_add(problems, g_strdup_printf("%s: %s, skipped", path, err->message));
		return;
	}
	obj = read_path(kind, path, &err);
	if (obj == NULL) {
		g_ptr_array_add(problems, g_strdup(err->message));
		if (g_error_matches(err, CVM_ERROR, CVM_ERROR_INVALID_DATA))
			g_ptr_array_add(set_aside, g_steal_pointer(&name));
		return;
	}
	g_hash_table_replace(table, g_steal_pointer(&name), obj);
}

GHashTable *
cvm_state_load_all(CvmState *state, const char *kind, GPtrArray **problems, GError **error)
{
	return cvm_state_load_all_full(state, kind, problems, NULL, error);
}

GHashTable *
cvm_state_load_all_full(CvmState *state, const char *kind, GPtrArray **problems, GPtrArray **set_aside,
			GError **error)
{
	g_autoptr(GPtrArray) probs = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) aside = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) table = NULL;
	g_autofree gchar *kdir = NULL;
	g_autoptr(GError) local = NULL;
	GDir *d;
	const char *entry;
	gboolean writable;

	if (!cvm_name_check("state record kind", kind, error))
		return NULL;
	table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				      put_json);
	kdir = g_build_filename(state->dir, kind, NULL);
	d = g_dir_open(kdir, 0, &local);
	if (d == NULL && !g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s", local->message);
		return NULL;
	}
	writable = check_writable(state, NULL);
	while (d != NULL && (entry = g_dir_read_name(d)) != NULL)
		load_entry(kind, kdir, entry, table, probs, aside, writable);
	if (d != NULL)
		g_dir_close(d);
	if (problems != NULL)
		*problems = g_steal_pointer(&probs);
	if (set_aside != NULL)
		*set_aside = g_steal_pointer(&aside);
	return g_steal_pointer(&table);
}
