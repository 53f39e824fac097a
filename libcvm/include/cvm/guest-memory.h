/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest-memory accessor: the one way vmfwupdate and the SVSM migration broker
 * touch guest RAM. Backends: a regular file or memfd (tests, offline request
 * decoding, simulators), another process's memory (/proc/PID/mem: a running
 * QEMU's guest RAM) and a libvirt domain (virDomainMemoryPeek; read-only).
 * Every access is bounds-checked against the backend's GPA window: guest
 * addresses come from untrusted guest bytes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CvmGuestMemory CvmGuestMemory;
struct _virDomain; /* virDomainPtr, without pulling libvirt.h into every user */

/**
 * cvm_guest_memory_new_file:
 * @path: a file whose byte 0 is guest physical address @base_gpa
 * @base_gpa: GPA of the file's first byte
 * @writable: open read-write and map shared, so writes reach the file
 * @error: return location for a #GError
 *
 * Returns: (transfer full): an accessor over the whole file, or %NULL
 */
CvmGuestMemory *cvm_guest_memory_new_file(const char *path, guint64 base_gpa, gboolean writable,
					  GError **error);

/**
 * cvm_guest_memory_new_memfd:
 * @size: bytes of simulated RAM (zero-filled)
 * @base_gpa: GPA of the first byte
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a writable accessor backed by an anonymous memfd
 */
CvmGuestMemory *cvm_guest_memory_new_memfd(guint64 size, guint64 base_gpa, GError **error);

/**
 * cvm_guest_memory_new_process:
 * @pid: the process whose memory holds the guest RAM (QEMU)
 * @hva: the address, in that process, of guest physical address @base_gpa
 * @base_gpa: GPA of the window's first byte
 * @size: bytes in the window, contiguous in that process
 * @error: return location for a #GError
 *
 * Every access is a pread/pwrite of /proc/@pid/mem, which needs the right to
 * ptrace the process (root, or CAP_SYS_PTRACE). Once the process exits,
 * accesses fail with CVM_ERROR_IO.
 *
 * Returns: (transfer full): a writable accessor, or %NULL
 */
CvmGuestMemory *cvm_guest_memory_new_process(int pid, guint64 hva, guint64 base_gpa, guint64 size,
					     GError **error);

/**
 * cvm_guest_memory_new_qemu:
 * @domain: a running domain of libvirt's QEMU driver on this host
 * @gpa: first guest physical address of the window
 * @size: bytes in the window; they must lie in one RAM block
 * @error: return location for a #GError
 *
 * Finds the guest's RAM in its QEMU process through the monitor (libvirt's
 * QEMU passthrough: `query-cpus-fast` for a vCPU thread, hence the process;
 * `gpa2hva` for the addresses) and checks that the process is this
 * domain's (its UUID on the command line), so a domain on another host is
 * refused. Libvirt marks the domain tainted ("custom-monitor").
 *
 * Returns: (transfer full): a writable accessor over the window, or %NULL
 */
CvmGuestMemory *cvm_guest_memory_new_qemu(struct _virDomain *domain, guint64 gpa, guint64 size, GError **error);

/**
 * cvm_guest_memory_new_libvirt:
 * @domain: a running libvirt domain (a reference is taken)
 * @base_gpa: GPA of the window's first byte
 * @size: bytes in the window
 * @error: return location for a #GError
 *
 * Reads go through virDomainMemoryPeek(VIR_MEMORY_PHYSICAL) in chunks the
 * remote protocol accepts; writes are refused (libvirt has no poke).
 *
 * Returns: (transfer full): a read-only accessor, or %NULL
 */
CvmGuestMemory *cvm_guest_memory_new_libvirt(struct _virDomain *domain, guint64 base_gpa,
					     guint64 size, GError **error);

/* TRUE when writes are possible (file opened writable, memfd, process). */
gboolean cvm_guest_memory_is_writable(const CvmGuestMemory *mem);

/* Read @len bytes at @gpa into @buf; fails with CVM_ERROR_INVALID_ARGUMENT
 * (naming the range) when any byte is outside the window. */
gboolean cvm_guest_memory_read(CvmGuestMemory *mem, guint64 gpa, void *buf, gsize len,
			       GError **error);
/* Write likewise; CVM_ERROR_NOT_SUPPORTED on a read-only backend. */
gboolean cvm_guest_memory_write(CvmGuestMemory *mem, guint64 gpa, const void *buf, gsize len,
				GError **error);
/* TRUE when [gpa, gpa+len) lies inside the window (overflow-safe). */
gboolean cvm_guest_memory_contains(const CvmGuestMemory *mem, guint64 gpa, guint64 len);
guint64 cvm_guest_memory_get_base(const CvmGuestMemory *mem);
guint64 cvm_guest_memory_get_size(const CvmGuestMemory *mem);
/* The memfd (or file) descriptor, for handing to another process; -1 for
 * libvirt and process backends. */
int cvm_guest_memory_get_fd(const CvmGuestMemory *mem);

void cvm_guest_memory_free(CvmGuestMemory *mem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmGuestMemory, cvm_guest_memory_free)

G_END_DECLS
