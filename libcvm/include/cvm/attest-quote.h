/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TDX GetQuote served by cvm (docs/attest.md, "TDX quotes"): a guest's
 * GetQuote TDVMCALL names a shared buffer (header, TDREPORT); the quote is
 * fetched from a Quote Generation Service over its socket (the QGS message
 * format) and written back into the buffer, with QEMU's rules: at most 16
 * quotes in flight per guest (more: the TDVMCALL returns RETRY), a deadline
 * (then status ERROR), QGS unreachable gives SERVICE_UNAVAILABLE, and a quote
 * is only written if it fits the guest's buffer (else ERROR): out_len never
 * exceeds it.
 */
#pragma once

#include <cvm/attest-tdx.h>
#include <cvm/guest-memory.h>
#include <glib.h>

G_BEGIN_DECLS

/** CVM_TDX_QUOTES_IN_FLIGHT_MAX: per guest, as QEMU. */
#define CVM_TDX_QUOTES_IN_FLIGHT_MAX 16u

typedef struct _CvmTdxQuoteService CvmTdxQuoteService;

/**
 * cvm_tdx_quote_service_new:
 * @qgs_socket: the QGS's unix socket
 * @deadline_ms: per quote (QEMU uses 30 s)
 */
CvmTdxQuoteService *cvm_tdx_quote_service_new(const char *qgs_socket, guint deadline_ms);
/* Waits for the quotes in flight, then frees. */
void cvm_tdx_quote_service_free(CvmTdxQuoteService *svc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmTdxQuoteService, cvm_tdx_quote_service_free)

/**
 * cvm_tdx_quote_service_submit:
 * @guest: the guest's name (in-flight counting)
 * @mem: its memory (borrowed until the quote completes)
 * @gpa: the shared buffer's guest-physical address
 * @size: its size
 *
 * Returns: the TDVMCALL status: SUCCESS (the buffer's status is IN_FLIGHT
 * and the quote completes asynchronously), RETRY (16 in flight),
 * INVALID_OPERAND (the buffer is outside guest RAM, larger than 128 KiB, or
 * its header is invalid).
 */
guint64 cvm_tdx_quote_service_submit(CvmTdxQuoteService *svc, const char *guest, CvmGuestMemory *mem, guint64 gpa,
				     guint64 size);

/* QGS error codes cvm's front end answers with (Intel's qgs_msg_lib.h). */
#define CVM_QGS_ERROR_UNEXPECTED        0x00012001u
#define CVM_QGS_ERROR_INVALID_PARAMETER 0x00012003u

typedef struct _CvmTdxQgsFront CvmTdxQgsFront;

/**
 * cvm_tdx_qgs_front_new:
 * @svc: the service (its QGS, deadline and per-guest bound are used)
 * @guest: the guest whose QEMU connects here
 * @listen: where QEMU's `quote-generation-socket` connects: a unix
 *   socket path (bare or unix:PATH) or vsock:CID:PORT
 * @error: return location for a #GError
 *
 * A QGS-compatible endpoint: QEMU sends GET_QUOTE_REQ messages as it would
 * to the QGS, they are forwarded to @svc's QGS and the response (with the
 * QGS's own error code, untouched) comes back. What QEMU can only learn
 * from a response is answered as one: over 16 quotes in flight for the
 * guest, no QGS, a QGS that fails or misses the deadline give
 * GET_QUOTE_RESP with CVM_QGS_ERROR_UNEXPECTED, a malformed request
 * CVM_QGS_ERROR_INVALID_PARAMETER (QEMU turns both into status ERROR).
 * Serves on worker threads while the thread-default main context runs.
 *
 * Returns: (transfer full): the endpoint, or %NULL
 */
CvmTdxQgsFront *cvm_tdx_qgs_front_new(CvmTdxQuoteService *svc, const char *guest, const char *listen,
				      GError **error);
void cvm_tdx_qgs_front_free(CvmTdxQgsFront *front);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmTdxQgsFront, cvm_tdx_qgs_front_free)

/* Blocks until no quote is in flight (tests, shutdown). */
void cvm_tdx_quote_service_wait_idle(CvmTdxQuoteService *svc);

G_END_DECLS
