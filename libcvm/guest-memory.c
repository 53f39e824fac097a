/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guest-memory accessor: file/memfd (mmap), another process's memory
 * (/proc/PID/mem) and libvirt (virDomainMemoryPeek) backends behind one
 * bounds-checked read/write interface. */
#include <cvm/guest-memory.h>
#include <cvm/error.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* The remote driver caps one peek at 64 KiB (REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX). */
#define PEEK_CHUNK (64u * 1024u)

struct _CvmGuestMemory {
	guint64 base;
	guint64 size;
	gboolean writable;
	int fd;             /* file/memfd, or /proc/PID/mem; -1 for libvirt */
	guint8 *map;        /* NULL for libvirt, a process or an empty file */
	gboolean process;   /* fd is /proc/PID/mem, the window starts at hva */
	guint64 hva;
	virDomainPtr domain; /* libvirt backend */
};

static CvmGuestMemory *
mem_new(guint64 base, guint64 size, GError **error)
{
	if (size > 0 && base > G_MAXUINT64 - (size - 1)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "guest-memory window 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
			    "x wraps the address space", base, size);
		return NULL;
	}
	CvmGuestMemory *mem = g_new0(CvmGuestMemory, 1);
	mem->base = base;
	mem->size = size;
	mem->fd = -1;
	return mem;
}

static gboolean
mem_map(CvmGuestMemory *mem, GError **error)
{
	if (mem->size == 0)
		return TRUE;
	if (mem->size > G_MAXSIZE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "guest memory too large to map");
		return FALSE;
	}
	int prot = PROT_READ | (mem->writable ? PROT_WRITE : 0);
	void *p = mmap(NULL, (size_t)mem->size, prot, MAP_SHARED, mem->fd, 0);
	if (p == MAP_FAILED) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "mmap guest memory: %s",
			    g_strerror(errno));
		return FALSE;
	}
	mem->map = p;
	return TRUE;
}

CvmGuestMemory *
cvm_guest_memory_new_file(const char *path, guint64 base_gpa, gboolean writable, GError **error)
{
	g_return_val_if_fail(path != NULL, NULL);
	int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(error, CVM_ERROR, errno == ENOENT ? CVM_ERROR_NOT_FOUND : CVM_ERROR_IO,
			    "open %s: %s", path, g_strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	g_autoptr(CvmGuestMemory) mem = mem_new(base_gpa, (guint64)st.st_size, error);
	if (mem == NULL) {
		close(fd);
		return NULL;
	}
	mem->fd = fd;
	mem->writable = writable;
	if (!mem_map(mem, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return g_steal_pointer(&mem);
}

CvmGuestMemory *
cvm_guest_memory_new_memfd(guint64 size, guint64 base_gpa, GError **error)
{
	if (size == 0 || size > G_MAXSIZE || size > (guint64)G_MAXINT64) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "memfd guest memory size 0x%" G_GINT64_MODIFIER "x is not usable", size);
		return NULL;
	}
	g_autoptr(CvmGuestMemory) mem = mem_new(base_gpa, size, error);
	if (mem == NULL)
		return NULL;
	mem->fd = memfd_create("cvm-guest-memory", MFD_CLOEXEC);
	if (mem->fd < 0 || ftruncate(mem->fd, (off_t)size) < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "memfd guest memory: %s",
			    g_strerror(errno));
		return NULL;
	}
	mem->writable = TRUE;
	if (!mem_map(mem, error))
		return NULL;
	return g_steal_pointer(&mem);
}

CvmGuestMemory *
cvm_guest_memory_new_libvirt(struct _virDomain *domain, guint64 base_gpa, guint64 size,
			     GError **error)
{
	g_return_val_if_fail(domain != NULL, NULL);
	if (size == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "libvirt guest-memory window is empty");
		return NULL;
	}
	CvmGuestMemory *mem = mem_new(base_gpa, size, error);
	if (mem == NULL)
		return NULL;
	if (virDomainRef(domain) < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "virDomainRef failed");
		g_free(mem);
		return NULL;
	}
	mem->domain = domain;
	return mem;
}

CvmGuestMemory *
cvm_guest_memory_new_process(int pid, guint64 hva, guint64 base_gpa, guint64 size, GError **error)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/mem", pid);

	if (pid <= 0 || size == 0 || hva > G_MAXINT64 || size > (guint64)G_MAXINT64 - hva) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "process guest-memory window (pid %d, 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
			    "x) is not usable", pid, hva, size);
		return NULL;
	}
	g_autoptr(CvmGuestMemory) mem = mem_new(base_gpa, size, error);
	if (mem == NULL)
		return NULL;
	/* The open descriptor pins that process's address space: if it exits,
	 * accesses fail instead of reaching a process that reused the pid. */
	mem->fd = open(path, O_RDWR | O_CLOEXEC);
	if (mem->fd < 0) {
		g_set_error(error, CVM_ERROR, errno == ENOENT ? CVM_ERROR_NOT_FOUND : CVM_ERROR_PERMISSION_DENIED,
			    "open %s: %s", path, g_strerror(errno));
		return NULL;
	}
	mem->process = TRUE;
	mem->hva = hva;
	mem->writable = TRUE;
	return g_steal_pointer(&mem);
}

gboolean
cvm_guest_memory_contains(const CvmGuestMemory *mem, guint64 gpa, guint64 len)
{
	g_return_val_if_fail(mem != NULL, FALSE);
	if (gpa < mem->base)
		return FALSE;
	guint64 off = gpa - mem->base;
	return off <= mem->size && len <= mem->size - off;
}

static gboolean
check_range(const CvmGuestMemory *mem, guint64 gpa, gsize len, GError **error)
{
	if (cvm_guest_memory_contains(mem, gpa, len))
		return TRUE;
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
		    "guest range 0x%" G_GINT64_MODIFIER "x+0x%" G_GSIZE_MODIFIER
		    "x is outside guest memory 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x",
		    gpa, len, mem->base, mem->size);
	return FALSE;
}

static gboolean
peek(CvmGuestMemory *mem, guint64 gpa, guint8 *buf, gsize len, GError **error)
{
	while (len > 0) {
		size_t n = MIN(len, (gsize)PEEK_CHUNK);
		if (virDomainMemoryPeek(mem->domain, gpa, n, buf, VIR_MEMORY_PHYSICAL) < 0) {
			virErrorPtr e = virGetLastError();
			g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT,
				    "peek guest 0x%" G_GINT64_MODIFIER "x+0x%zx: %s", gpa, n,
				    e && e->message ? e->message : "unknown libvirt error");
			return FALSE;
		}
		gpa += n;
		buf += n;
		len -= n;
	}
	return TRUE;
}

/* Each access is one system call, so accesses stay in program order. */
static gboolean
process_io(CvmGuestMemory *mem, gboolean write, guint64 gpa, guint8 *buf, gsize len, GError **error)
{
	guint64 at = mem->hva + (gpa - mem->base);

	while (len > 0) {
		ssize_t n = write ? pwrite(mem->fd, buf, len, (off_t)at) : pread(mem->fd, buf, len, (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* 0 or EIO: the process is gone or the range is no longer mapped. */
			g_set_error(error, CVM_ERROR, CVM_ERROR_IO,
				    "%s guest 0x%" G_GINT64_MODIFIER "x+0x%" G_GSIZE_MODIFIER "x in its process: %s",
				    write ? "write" : "read", gpa, len, n == 0 ? "process gone" : g_strerror(errno));
			return FALSE;
		}
		at += (guint64)n;
		buf += n;
		gpa += (guint64)n;
		len -= (gsize)n;
	}
	return TRUE;
}

gboolean
cvm_guest_memory_read(CvmGuestMemory *mem, guint64 gpa, void *buf, gsize len, GError **error)
{
	g_return_val_if_fail(mem != NULL, FALSE);
	g_return_val_if_fail(buf != NULL || len == 0, FALSE);
	if (!check_range(mem, gpa, len, error))
		return FALSE;
	if (len == 0)
		return TRUE;
	if (mem->domain != NULL)
		return peek(mem, gpa, buf, len, error);
	if (mem->process)
		return process_io(mem, FALSE, gpa, buf, len, error);
	memcpy(buf, mem->map + (gpa - mem->base), len);
	/* Shared pages are handshakes with another process (register, then
	 * buffer): later reads must not be hoisted above this one. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return TRUE;
}

gboolean
cvm_guest_memory_write(CvmGuestMemory *mem, guint64 gpa, const void *buf, gsize len,
		       GError **error)
{
	g_return_val_if_fail(mem != NULL, FALSE);
	g_return_val_if_fail(buf != NULL || len == 0, FALSE);
	if (!mem->writable) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "guest memory is read-only (write of 0x%" G_GSIZE_MODIFIER
			    "x bytes at 0x%" G_GINT64_MODIFIER "x refused)", len, gpa);
		return FALSE;
	}
	if (!check_range(mem, gpa, len, error))
		return FALSE;
	if (mem->process)
		return process_io(mem, TRUE, gpa, (void *)buf, len, error);
	/* Earlier writes (a buffer) become visible before this one (its register). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (len > 0)
		memcpy(mem->map + (gpa - mem->base), buf, len);
	return TRUE;
}

gboolean
cvm_guest_memory_is_writable(const CvmGuestMemory *mem)
{
	return mem->writable;
}

guint64
cvm_guest_memory_get_base(const CvmGuestMemory *mem)
{
	return mem->base;
}

guint64
cvm_guest_memory_get_size(const CvmGuestMemory *mem)
{
	return mem->size;
}

int
cvm_guest_memory_get_fd(const CvmGuestMemory *mem)
{
	return mem->process ? -1 : mem->fd;
}

void
cvm_guest_memory_free(CvmGuestMemory *mem)
{
	if (mem == NULL)
		return;
	if (mem->map != NULL)
		munmap(mem->map, (size_t)mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	if (mem->domain != NULL)
		virDomainFree(mem->domain);
	g_free(mem);
}
