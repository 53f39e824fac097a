/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AMD's certificate bundles (ark-*.pem, ask-*.pem, asvk-*.pem), parsed once
 * per process. Every verification reads the ARKs and the ASKs or ASVKs: six
 * 4096-bit RSA certificates decoded from PEM on each call were most of a
 * report verification's time. A bundle is parsed again when its file
 * changes (another inode, size or modification time), so replacing the
 * roots on disk takes effect at the next verification, as before. */
#include "attest/snp-verify-private.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>

typedef struct {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	STACK_OF(X509) *certs;
} Bundle;

static GMutex lock;
static GHashTable *bundles; /* path -> Bundle */

static void
bundle_free(gpointer p)
{
	Bundle *b = p;

	sk_X509_pop_free(b->certs, X509_free);
	g_free(b);
}

static gboolean
same_file(const Bundle *b, const struct stat *st)
{
	return b->dev == st->st_dev && b->ino == st->st_ino && b->size == st->st_size &&
	       b->mtime.tv_sec == st->st_mtim.tv_sec && b->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

STACK_OF(X509) *
cvmi_snp_pem_certs(const guint8 *data, gsize len)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *bio;
	X509 *c;

	if (len > G_MAXINT)
		return certs;
	bio = BIO_new_mem_buf(data, (int)len);
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(certs, c);
	BIO_free(bio);
	ERR_clear_error();
	return certs;
}

/* A new stack holding a reference to each certificate: the caller's copy
 * stays valid when the bundle is parsed again under it. */
static STACK_OF(X509) *
share(STACK_OF(X509) *certs)
{
	STACK_OF(X509) *out = sk_X509_new_null();

	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);

		X509_up_ref(c);
		sk_X509_push(out, c);
	}
	return out;
}

STACK_OF(X509) *
cvmi_snp_bundle_certs(const char *path)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
	g_autofree gchar *text = NULL;
	struct stat st;
	Bundle *b;
	gsize len = 0;

	if (bundles == NULL)
		bundles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, bundle_free);
	/* A missing or unreadable file holds no certificates, as before. */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		g_hash_table_remove(bundles, path);
		return sk_X509_new_null();
	}
	b = g_hash_table_lookup(bundles, path);
	if (b != NULL && same_file(b, &st))
		return share(b->certs);
	if (!g_file_get_contents(path, &text, &len, NULL)) {
		g_hash_table_remove(bundles, path);
		return sk_X509_new_null();
	}
	b = g_new0(Bundle, 1);
	b->dev = st.st_dev;
	b->ino = st.st_ino;
	b->size = st.st_size;
	b->mtime = st.st_mtim;
	b->certs = cvmi_snp_pem_certs((const guint8 *)text, len);
	g_hash_table_replace(bundles, g_strdup(path), b);
	return share(b->certs);
}
