/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM files handed to cvmd: by path (privileged callers) or by an open file
 * descriptor (anyone: the caller proves it can read the file). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>
#include <cvm/igvm.h>
#include <cvm/igvm-report.h>
#include <cvm/measure.h>
#include "cvmd/cvmd.h"

/* IGVM files are firmware-sized. Anyone may hand cvmd a file by fd, and the
 * work (and, for a file that is copied, memory) grows with its size, so
 * callers other than root, cvmd's own user and group cvm get the same bound
 * as a firmware update image (docs/policy.md, max-update-size); those may
 * measure files up to 1 GiB. */
#define SOURCE_MAX_PRIVILEGED ((gint64)1 << 30)
#define SOURCE_MAX_ANYONE ((gint64)64 << 20)

/* Only a memfd sealed against shrinking and writing may be mapped: any other
 * file can be truncated under the mapping by whoever can write it (SIGBUS in
 * cvmd), or changed between the decoder's checks and its reads. */
static gboolean
sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & (F_SEAL_SHRINK | F_SEAL_WRITE)) == (F_SEAL_SHRINK | F_SEAL_WRITE);
}

/* Everything else is copied into cvmd's memory. pread, not read: the file
 * description, and with it the offset, is shared with the caller. */
static GBytes *
copy_fd(int fd, gsize size, const char *what, GError **error)
{
	guint8 *buf = g_try_malloc(size);
	gsize got = 0;

	if (buf == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: cannot allocate %zu bytes", what, size);
		return NULL;
	}
	while (got < size) {
		ssize_t n = pread(fd, buf + got, size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", what,
				    n < 0 ? g_strerror(errno) : "the file shrank while cvmd read it");
			g_free(buf);
			return NULL;
		}
		got += (gsize)n;
	}
	return g_bytes_new_take(buf, size);
}

static GBytes *
load_fd(int fd, const char *what, gint64 max, GError **error)
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
	if (st.st_size > max || st.st_size == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: size %lld outside 1 byte .. %lld MiB%s", what, (long long)st.st_size,
			    (long long)(max >> 20),
			    max < SOURCE_MAX_PRIVILEGED ? " (the limit for callers outside root and group cvm)" : "");
		return NULL;
	}
	if (!sealed(fd))
		return copy_fd(fd, (gsize)st.st_size, what, error);
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
	bytes = load_fd(fd, path, SOURCE_MAX_PRIVILEGED, error);
	close(fd);
	return bytes;
}

/* The form of a source dict; checked before a job is queued. */
static gboolean
source_check(GUnixFDList *fds, GVariant *source, GError **error)
{
	gint32 idx = -1;
	gboolean has_path = g_variant_lookup(source, "path", "&s", NULL);
	gboolean has_fd = g_variant_lookup(source, "fd", "h", &idx);

	if (has_path == has_fd || g_variant_n_children(source) != 1) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "source must hold exactly one of \"path\" (s) or \"fd\" (h)");
		return FALSE;
	}
	if (has_fd && (fds == NULL || idx < 0 || idx >= g_unix_fd_list_get_length(fds))) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "fd index %d not in the message's file descriptors", idx);
		return FALSE;
	}
	return TRUE;
}

GBytes *
cvmd_source_read(Cvmd *d, GDBusMethodInvocation *inv, GUnixFDList *fds, GVariant *source,
		 GError **error)
{
	g_autoptr(GError) unprivileged = NULL;
	const char *path = NULL;
	gint32 idx = -1;
	GBytes *bytes;
	int fd;

	if (!source_check(fds, source, error))
		return NULL;
	if (g_variant_lookup(source, "path", "&s", &path))
		return cvmd_caller_privileged(d, inv, error) ? read_path(path, error) : NULL;
	g_variant_lookup(source, "fd", "h", &idx);
	fd = g_unix_fd_list_get(fds, idx, NULL);
	if (fd < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "bad file descriptor");
		return NULL;
	}
	bytes = load_fd(fd, "fd",
			cvmd_caller_privileged(d, inv, &unprivileged) ? SOURCE_MAX_PRIVILEGED : SOURCE_MAX_ANYONE,
			error);
	close(fd);
	return bytes;
}

static GUnixFDList *
fds_of(GDBusMethodInvocation *inv)
{
	return g_dbus_message_get_unix_fd_list(g_dbus_method_invocation_get_message(inv));
}

/* The library's IGVM report (cvm/igvm-report.h), the document `cvmctl igvm
 * inspect --json` prints. Unlike cvmctl, cvmd validates first: it is handed
 * files by anyone, and a file the validator refuses is answered with its
 * error (InvalidData, Truncated, Validation), not described. */
static gchar *
inspect_json(GBytes *bytes, GError **error)
{
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(bytes, 0, error);
	g_autoptr(CvmIgvmReport) report = NULL;
	json_object *o;
	gchar *out;

	if (igvm == NULL)
		return NULL;
	report = cvm_igvm_report_new(igvm, NULL, error);
	if (report == NULL)
		return NULL;
	o = cvm_igvm_report_to_json(report, 0);
	out = g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

/* Job (cvmd_job_start): the source is the call's first argument. */
static GVariant *
inspect_job(Cvmd *d, GDBusMethodInvocation *inv, gpointer data, GError **error)
{
	g_autoptr(GVariant) source = g_variant_get_child_value(g_dbus_method_invocation_get_parameters(inv), 0);
	g_autoptr(GBytes) bytes = cvmd_source_read(d, inv, fds_of(inv), source, error);
	g_autofree gchar *json = bytes != NULL ? inspect_json(bytes, error) : NULL;

	(void)data;
	return json != NULL ? g_variant_new("(s)", json) : NULL;
}

static GVariant *
measure_job(Cvmd *d, GDBusMethodInvocation *inv, gpointer opts, GError **error)
{
	g_autoptr(GVariant) source = g_variant_get_child_value(g_dbus_method_invocation_get_parameters(inv), 0);
	g_autoptr(GBytes) bytes = cvmd_source_read(d, inv, fds_of(inv), source, error);
	CvmDigest digest;
	gsize len = 0;
	const guint8 *p;

	if (bytes == NULL)
		return NULL;
	p = g_bytes_get_data(bytes, &len);
	if (!cvm_measure_igvm(p, len, opts, &digest, NULL, error))
		return NULL;
	g_autofree gchar *hex = cvm_digest_to_hex(&digest);
	return g_variant_new("(s)", hex);
}

static gboolean
on_inspect(CvmDbusManager *m, GDBusMethodInvocation *inv, GUnixFDList *fds, GVariant *source,
	   gpointer data)
{
	g_autoptr(GError) error = NULL;

	(void)m;
	if (!source_check(fds, source, &error))
		cvmd_return_error(inv, error);
	else
		cvmd_job_start(data, inv, inspect_job, NULL, NULL);
	return TRUE;
}

static gboolean
on_measure(CvmDbusManager *m, GDBusMethodInvocation *inv, GUnixFDList *fds, GVariant *source,
	   const char *platform, gpointer data)
{
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions *opts = g_new0(CvmMeasureOptions, 1);

	(void)m;
	cvm_measure_options_init(opts);
	if (!cvm_platform_from_string(platform, &opts->platform, &error) ||
	    !cvm_measure_platform_check(opts->platform, &error) ||
	    !source_check(fds, source, &error)) {
		g_free(opts);
		cvmd_return_error(inv, error);
		return TRUE;
	}
	cvmd_job_start(data, inv, measure_job, opts, g_free);
	return TRUE;
}

void
cvmd_source_connect(Cvmd *d)
{
	g_signal_connect(d->manager, "handle-inspect-igvm", G_CALLBACK(on_inspect), d);
	g_signal_connect(d->manager, "handle-measure-igvm", G_CALLBACK(on_measure), d);
}
