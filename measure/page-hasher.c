/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Streaming page hasher: worker threads compute SHA-384 of pages chunk by
 * chunk while the caller consumes the hashes in order, so the sequential SNP
 * PAGE_INFO chain overlaps the parallel page hashing instead of following it. */
#include "measure/measure-private.h"

#define CHUNK_PAGES 64

struct _CvmiPageHasher {
	const guint8 *const *pages;
	gsize n;
	gsize nchunks;
	guint8 *out;
	gboolean *done;
	gint next;
	GMutex lock;
	GCond cond;
	GThread **threads;
	guint nthreads;
	EVP_MD_CTX *ctx; /* the calling thread's, when it hashes a chunk itself */
	EVP_MD *md;
};

static void
hash_chunk(CvmiPageHasher *h, gsize c, EVP_MD_CTX *ctx, const EVP_MD *md)
{
	static const guint8 zero[CVMI_PAGE_SIZE];
	gsize end = MIN(h->n, (c + 1) * CHUNK_PAGES);

	for (gsize i = c * CHUNK_PAGES; i < end; i++) {
		unsigned int len = 48;
		EVP_DigestInit_ex(ctx, md, NULL);
		EVP_DigestUpdate(ctx, h->pages[i] ? h->pages[i] : zero, CVMI_PAGE_SIZE);
		EVP_DigestFinal_ex(ctx, h->out + i * 48, &len);
	}
	g_mutex_lock(&h->lock);
	h->done[c] = TRUE;
	g_cond_broadcast(&h->cond);
	g_mutex_unlock(&h->lock);
}

static gpointer
worker(gpointer data)
{
	CvmiPageHasher *h = data;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA384", NULL);

	for (;;) {
		gsize c = (gsize)g_atomic_int_add(&h->next, 1);
		if (c >= h->nchunks)
			break;
		hash_chunk(h, c, ctx, md);
	}
	EVP_MD_free(md);
	EVP_MD_CTX_free(ctx);
	return NULL;
}

CvmiPageHasher *
cvmi_page_hasher_start(const guint8 *const *pages, gsize n, guint jobs)
{
	CvmiPageHasher *h = g_new0(CvmiPageHasher, 1);

	h->pages = pages;
	h->n = n;
	h->nchunks = (n + CHUNK_PAGES - 1) / CHUNK_PAGES;
	h->out = g_malloc(MAX(n, 1) * 48);
	h->done = g_new0(gboolean, MAX(h->nchunks, 1));
	g_mutex_init(&h->lock);
	g_cond_init(&h->cond);
	/* The calling thread hashes too while it waits, so it counts as a job. */
	h->nthreads = MIN((jobs ? jobs : g_get_num_processors()) - 1, h->nchunks);
	h->threads = g_new0(GThread *, MAX(h->nthreads, 1));
	h->ctx = EVP_MD_CTX_new();
	h->md = EVP_MD_fetch(NULL, "SHA384", NULL);
	for (guint j = 0; j < h->nthreads; j++)
		h->threads[j] = g_thread_try_new("cvm-hash", worker, h, NULL);
	return h;
}

const guint8 *
cvmi_page_hasher_get(CvmiPageHasher *h, gsize index)
{
	gsize c = index / CHUNK_PAGES;

	g_mutex_lock(&h->lock);
	while (!h->done[c]) {
		g_mutex_unlock(&h->lock);
		/* Rather than wait, hash the next unclaimed chunk here. */
		gsize mine = (gsize)g_atomic_int_add(&h->next, 1);
		if (mine < h->nchunks)
			hash_chunk(h, mine, h->ctx, h->md);
		g_mutex_lock(&h->lock);
		if (mine >= h->nchunks && !h->done[c])
			g_cond_wait(&h->cond, &h->lock);
	}
	g_mutex_unlock(&h->lock);
	return h->out + index * 48;
}

void
cvmi_page_hasher_finish(CvmiPageHasher *h)
{
	/* Nothing claims chunks after this point that a worker would miss. */
	g_atomic_int_set(&h->next, (gint)h->nchunks);
	for (guint j = 0; j < h->nthreads; j++)
		if (h->threads[j] != NULL)
			g_thread_join(h->threads[j]);
	g_mutex_clear(&h->lock);
	g_cond_clear(&h->cond);
	g_free(h->threads);
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	g_free(h->done);
	g_free(h->out);
	g_free(h);
}
