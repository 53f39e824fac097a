/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Giving back what start-up needed and idle does not: once cvmd owns its
 * name, the heap is trimmed and the read-only pages of its libraries that
 * only this process maps (libvirt's and OpenSSL's initialisation code, mostly)
 * are handed back to the kernel with MADV_PAGEOUT. Pages used again fault
 * back in from the page cache; pages other processes share are left alone by
 * the kernel. */
#include "cvmd/cvmd.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

void
cvmd_trim_memory(void)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	char line[512];

	malloc_trim(0);
	if (maps == NULL)
		return;
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long start, end;
		char perms[5], path[256] = "";

		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %255s", &start, &end, perms, path) < 3)
			continue;
		/* Read-only file mappings of shared objects: never data, never the heap. */
		if (path[0] != '/' || perms[1] == 'w' || strstr(path, ".so") == NULL)
			continue;
		madvise((void *)start, end - start, MADV_PAGEOUT);
	}
	fclose(maps);
}
