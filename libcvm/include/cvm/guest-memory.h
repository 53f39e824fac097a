/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest-memory accessor: the one way vmfwupdate and the SVSM migration broker
 * touch guest RAM. Backends: a regular file or memfd (tests, offline request
 * decoding, simulators) and a libvirt domain (virDomainMemoryPeek; read-only).
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

/* TRUE when writes are possible (file opened writable, or memfd). */
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
/* The memfd (or file) descriptor, for handing to another process; -1 for libvirt. */
int cvm_guest_memory_get_fd(const CvmGuestMemory *mem);

void cvm_guest_memory_free(CvmGuestMemory *mem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmGuestMemory, cvm_guest_memory_free)

G_END_DECLS
