/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Page-content hashing on all cores. The SNP chain itself is sequential, but
 * the SHA-384 of each page (about 94 % of the work) is independent, so it is
 * computed up front by worker threads, each over a contiguous slice. */
#include "measure/measure-private.h"

#include <openssl/evp.h>

void
cvmi_sha384(const void *data, gsize len, guint8 out[48])
{
	unsigned int n = 48;
	EVP_Digest(data, len, out, &n, EVP_sha384(), NULL);
}

void
cvmi_sha256(const void *data, gsize len, guint8 out[32])
{
	unsigned int n = 32;
	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

typedef struct {
	const guint8 *data;		/* contiguous pages, or */
	const guint8 *const *pages;	/* one pointer per page (NULL: zero page) */
	guint8 *out;
	gsize first;
	gsize count;
} Slice;

static void
hash_slice(const Slice *s)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	/* An explicitly fetched digest skips OpenSSL 3's per-init lookup. */
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA384", NULL);

	static const guint8 zero[CVMI_PAGE_SIZE];

	for (gsize i = s->first; i < s->first + s->count; i++) {
		unsigned int n = 48;
		const guint8 *page = s->pages ? (s->pages[i] ? s->pages[i] : zero) : s->data + i * CVMI_PAGE_SIZE;
		EVP_DigestInit_ex(ctx, md, NULL);
		EVP_DigestUpdate(ctx, page, CVMI_PAGE_SIZE);
		EVP_DigestFinal_ex(ctx, s->out + i * 48, &n);
	}
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
}

static gpointer
slice_thread(gpointer data)
{
	hash_slice(data);
	return NULL;
}

static void
hash_parallel(const guint8 *data, const guint8 *const *pages, gsize npages, guint8 *out, guint jobs)
{
	if (jobs == 0)
		jobs = g_get_num_processors();
	/* Threads only pay off above a few hundred pages. */
	if (jobs > npages / 64)
		jobs = MAX(1, npages / 64);

	g_autofree Slice *slices = g_new0(Slice, jobs);
	g_autofree GThread **threads = g_new0(GThread *, jobs);
	gsize per = npages / jobs, extra = npages % jobs, first = 0;

	for (guint j = 0; j < jobs; j++) {
		slices[j] = (Slice){ data, pages, out, first, per + (j < extra ? 1 : 0) };
		first += slices[j].count;
	}
	/* The calling thread takes slice 0; a failed spawn falls back to it too. */
	for (guint j = 1; j < jobs; j++) {
		threads[j] = g_thread_try_new("cvm-hash", slice_thread, &slices[j], NULL);
		if (threads[j] == NULL)
			hash_slice(&slices[j]);
	}
	hash_slice(&slices[0]);
	for (guint j = 1; j < jobs; j++)
		if (threads[j] != NULL)
			g_thread_join(threads[j]);
}

void
cvmi_sha384_pages(const guint8 *data, gsize npages, guint8 *out, guint jobs)
{
	hash_parallel(data, NULL, npages, out, jobs);
}
