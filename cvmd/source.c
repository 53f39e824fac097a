/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM files handed to cvmd: by path (privileged callers) or by an open file
 * descriptor (anyone: the caller proves it can read the file). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>
#include <cvm/igvm.h>
#include <cvm/measure.h>
#include "cvmd/cvmd.h"

/* IGVM files are firmware-sized; this bounds what a caller can make us map. */
#define SOURCE_MAX ((gint64)1 << 30)

static GBytes *
map_fd(int fd, const char *what, GError **error)
{
	g_autoptr(GError) local = NULL;
	GMappedFile *mf;
	GBytes *bytes;
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "%s is not a regular file",
			    what);
		return NULL;
	}
	if (st.st_size > SOURCE_MAX || st.st_size == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: size %lld outside 1 byte .. 1 GiB", what, (long long)st.st_size);
		return NULL;
	}
	mf = g_mapped_file_new_from_fd(fd, FALSE, &local);
	if (mf == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", what, local->message);
		return NULL;
	}
	bytes = g_mapped_file_get_bytes(mf);
	g_mapped_file_unref(mf);
	return bytes;
}

static GBytes *
read_path(const char *path, GError **error)
{
	GBytes *bytes;
	int fd;

	if (!g_path_is_absolute(path)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "path must be absolute: %s", path);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "cannot open %s: %s", path,
			    g_strerror(errno));
		return NULL;
	}
	bytes = map_fd(fd, path, error);
	close(fd);
	return bytes;
}

GBytes *
cvmd_source_read(Cvmd *d, GDBusMethodInvocation *inv, GUnixFDList *fds, GVariant *source,
		 GError **error)
{
	const char *path = NULL;
	gint32 idx = -1;
	gboolean has_path = g_variant_lookup(source, "path", "&s", &path);
	gboolean has_fd = g_variant_lookup(source, "fd", "h", &idx);
	GBytes *bytes;
	int fd;

	if (has_path == has_fd || g_variant_n_children(source) != 1) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "source must hold exactly one of \"path\" (s) or \"fd\" (h)");
		return NULL;
	}
	if (has_path)
		return cvmd_caller_privileged(d, inv, error) ? read_path(path, error) : NULL;
	if (fds == NULL || idx < 0 || idx >= g_unix_fd_list_get_length(fds)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "fd index %d not in the message's file descriptors", idx);
		return NULL;
	}
	fd = g_unix_fd_list_get(fds, idx, NULL);
	if (fd < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "bad file descriptor");
		return NULL;
	}
	bytes = map_fd(fd, "fd", error);
	close(fd);
	return bytes;
}

/* A summary of the file (the detailed per-header dump stays in cvmctl):
 * format version, architecture, page size and headers by type. */
static gchar *
inspect_json(GBytes *bytes, GError **error)
{
	CvmIgvm *igvm = cvm_igvm_new_from_bytes(bytes, 0, error);
	json_object *o, *types;
	CvmIgvmHeader h;
	gchar *out;

	if (igvm == NULL)
		return NULL;
	o = json_object_new_object();
	types = json_object_new_object();
	json_object_object_add(o, "format-version",
			       json_object_new_int64(cvm_igvm_get_format_version(igvm)));
	json_object_object_add(o, "architecture",
			       json_object_new_int64(cvm_igvm_get_architecture(igvm)));
	json_object_object_add(o, "page-size", json_object_new_int64(cvm_igvm_get_page_size(igvm)));
	json_object_object_add(o, "headers", json_object_new_int64(cvm_igvm_get_n_headers(igvm)));
	for (guint i = 0; i < cvm_igvm_get_n_headers(igvm); i++) {
		const char *name;
		json_object *n;

		if (!cvm_igvm_get_header(igvm, i, &h))
			continue;
		name = cvm_igvm_header_type_name(h.type);
		name = name ? name : "unknown";
		n = json_object_object_get(types, name);
		json_object_object_add(types, name,
				       json_object_new_int64(n ? json_object_get_int64(n) + 1 : 1));
	}
	json_object_object_add(o, "header-types", types);
	out = g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	cvm_igvm_free(igvm);
	return out;
}

static gboolean
on_inspect(CvmDbusManager *m, GDBusMethodInvocation *inv, GUnixFDList *fds, GVariant *source,
	   gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = cvmd_source_read(data, inv, fds, source, &error);
	g_autofree gchar *json = bytes ? inspect_json(bytes, &error) : NULL;

	if (json == NULL) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	cvm_dbus_manager_complete_inspect_igvm(m, inv, NULL, json);
	return TRUE;
}

static gboolean
on_measure(CvmDbusManager *m, GDBusMethodInvocation *inv, GUnixFDList *fds, GVariant *source,
	   const char *platform, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autofree gchar *hex = NULL;
	CvmMeasureOptions opts;
	CvmDigest digest;
	gsize len = 0;
	const guint8 *p;

	cvm_measure_options_init(&opts);
	if (!cvm_measure_platform_from_string(platform, &opts.platform, &error) ||
	    (bytes = cvmd_source_read(data, inv, fds, source, &error)) == NULL) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	p = g_bytes_get_data(bytes, &len);
	if (!cvm_measure_igvm(p, len, &opts, &digest, NULL, &error)) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	hex = cvm_digest_to_hex(&digest);
	cvm_dbus_manager_complete_measure_igvm(m, inv, NULL, hex);
	return TRUE;
}

void
cvmd_source_connect(Cvmd *d)
{
	g_signal_connect(d->manager, "handle-inspect-igvm", G_CALLBACK(on_inspect), d);
	g_signal_connect(d->manager, "handle-measure-igvm", G_CALLBACK(on_measure), d);
}
