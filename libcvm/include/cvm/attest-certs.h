/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SNP certificate tables for extended guest requests (docs/attest.md, "SNP
 * certificates"): a store in the state directory keyed by chip ID and
 * REPORTED_TCB, and the answer to a VMM handling KVM_EXIT_SNP_REQ_CERTS.
 * cvm never fetches certificates from AMD: tables are imported from files,
 * or fetched on demand by a command the operator configures.
 */
#pragma once

#include <cvm/attest-snp.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct _CvmSnpCertStore CvmSnpCertStore;

/* @dir: the store directory (created), e.g. <state>/snp-certs. */
CvmSnpCertStore *cvm_snp_cert_store_open(const char *dir, GError **error);
void cvm_snp_cert_store_free(CvmSnpCertStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmSnpCertStore, cvm_snp_cert_store_free)

/**
 * cvm_snp_cert_store_import:
 * @chip_id: 64 bytes, as SNP reports it
 * @reported_tcb: the TCB the table's VCEK is for
 * @table: a certificate table (checked with cvm_snp_cert_table_decode())
 *
 * Stores the table atomically; while it is written the store answers BUSY.
 */
gboolean cvm_snp_cert_store_import(CvmSnpCertStore *store, const guint8 chip_id[64], guint64 reported_tcb,
				   GBytes *table, GError **error);

/**
 * cvm_snp_cert_store_set_fill_command:
 * @argv: (nullable): the operator's command; it is run with two more
 *   arguments, the chip ID (128 hex digits) and REPORTED_TCB (16 hex
 *   digits), and writes the certificate table to stdout. %NULL: none.
 * @timeout_ms: how long it may run before it is killed (0: 60 s)
 *
 * When a VMM asks for a chip and TCB the store has no table for, the
 * command runs in the background and VMMs are answered EAGAIN (BUSY) until
 * it is done; its table is checked and imported. A command that fails (exit
 * status, timeout, not a table) is logged and not run again for that chip
 * and TCB for a minute; meanwhile the empty table is answered, as without a
 * command.
 */
void cvm_snp_cert_store_set_fill_command(CvmSnpCertStore *store, const char *const *argv, guint timeout_ms);

/**
 * cvm_snp_cert_store_begin_update:
 *
 * Marks the store busy (a certificate or firmware update is in progress):
 * requests are answered EAGAIN (BUSY), never EIO (GENERIC), which would make
 * the guest erase its VMPCK. cvm_snp_cert_store_end_update() clears it; a
 * mark older than ten minutes is ignored (a crashed updater).
 */
gboolean cvm_snp_cert_store_begin_update(CvmSnpCertStore *store, GError **error);
void cvm_snp_cert_store_end_update(CvmSnpCertStore *store);

/**
 * CvmSnpCertAnswer:
 * @ret: what the VMM sets in kvm_run.snp_req_certs.ret: 0, ENOSPC, EAGAIN or EIO
 * @npages: with ENOSPC, the pages the table needs (KVM copies it to RBX)
 * @table: (nullable): with 0, the table to write at the guest's gpa (the
 *   24-byte empty table when the store has none for this chip and TCB, as
 *   KVM does when the exit is disabled)
 */
typedef struct {
	guint64 ret;
	guint64 npages;
	GBytes *table;
} CvmSnpCertAnswer;

void cvm_snp_cert_answer_clear(CvmSnpCertAnswer *answer);

/**
 * cvm_snp_cert_store_answer:
 * @chip_id: the host's chip ID
 * @reported_tcb: the TCB in force
 * @npages: the guest's buffer, in 4 KiB pages
 *
 * The answer to one KVM_EXIT_SNP_REQ_CERTS.
 */
void cvm_snp_cert_store_answer(CvmSnpCertStore *store, const guint8 chip_id[64], guint64 reported_tcb, guint64 npages,
			       CvmSnpCertAnswer *out);

/**
 * CVM_SNP_CERT_REQUEST_SIZE:
 *
 * The endpoint's request (after the u32 length of cvm/attest-proxy.h's
 * framing): chip_id[64], reported_tcb u64, gpa u64, npages u64, all
 * little-endian. The answer: ret u64, npages u64, then the table (only with
 * ret 0).
 */
#define CVM_SNP_CERT_REQUEST_SIZE 88u

typedef struct _CvmSnpCertEndpoint CvmSnpCertEndpoint;

/**
 * cvm_snp_cert_endpoint_new:
 * @store: the store (borrowed; must outlive the endpoint)
 * @listen: where a VMM connects: a unix socket path (bare or unix:PATH)
 *   or vsock:CID:PORT
 *
 * Serves requests on worker threads while the thread-default main context runs.
 */
CvmSnpCertEndpoint *cvm_snp_cert_endpoint_new(CvmSnpCertStore *store, const char *listen, GError **error);
void cvm_snp_cert_endpoint_free(CvmSnpCertEndpoint *endpoint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmSnpCertEndpoint, cvm_snp_cert_endpoint_free)

G_END_DECLS
