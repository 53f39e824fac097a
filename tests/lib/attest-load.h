/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hostile and heavy clients of the guest-facing attestation services (the
 * IGVM-attest proxy, the SNP certificate endpoint, the QGS front end), for
 * the load tests: connection churn, many requests at once, slowloris. Every
 * wait is bounded. */
#pragma once

#include <glib.h>

typedef enum { CVMT_LOAD_PROXY, CVMT_LOAD_CERTS, CVMT_LOAD_QGS } CvmtLoadKind;

/* "proxy", "certs" or "qgs"; FALSE for anything else. */
gboolean cvmt_load_kind_parse(const char *name, CvmtLoadKind *out);

/* A whole valid request, framed as the service's client sends it (for QGS:
 * a GET_QUOTE_REQ with a 1024-byte report, what QEMU forwards). The one
 * request builder of the tests; never NULL. */
GBytes *cvmt_load_request(CvmtLoadKind kind);

/* One valid request on a new connection to the unix socket @path: TRUE when
 * a well-formed answer came back within @timeout_ms. */
gboolean cvmt_load_ask(CvmtLoadKind kind, const char *path, guint timeout_ms);

/* The same, asked again every 50 ms until one is answered or @within_ms
 * have passed: after a load, what the service still had to read is
 * allowed to drain first. */
gboolean cvmt_load_ask_within(CvmtLoadKind kind, const char *path, guint within_ms);

/* @threads threads each open and drop @each connections, alternately
 * sending nothing, half a request, or a request without reading the
 * answer. */
void cvmt_load_churn(CvmtLoadKind kind, const char *path, guint threads, guint each);

/* @n valid requests in flight at once (@n connections from @threads
 * threads, all sent before any answer is read). *answered counts the
 * well-formed answers, *refused the connections the service refused or
 * closed without one; anything else (a timeout, a bad answer) is neither. */
void cvmt_load_concurrent(CvmtLoadKind kind, const char *path, guint n, guint threads, guint timeout_ms,
			  guint *answered, guint *refused);

/* @n connections that each send the first byte of a request and stall: the
 * descriptors (-1 for one that could not connect), closed by
 * cvmt_load_close(). */
int *cvmt_load_stall(CvmtLoadKind kind, const char *path, guint n);
void cvmt_load_close(int *fds, guint n);

/* Whether the service closes a connection that sends one more byte of a
 * request every @every_ms: the milliseconds it took, or -1 if it was still
 * open after @limit_ms. */
gint64 cvmt_load_trickle(CvmtLoadKind kind, const char *path, guint every_ms, guint limit_ms);

/* Whether the service closed @fd (EOF or reset) within @timeout_ms. */
gboolean cvmt_load_closed_by_peer(int fd, guint timeout_ms);

/* @n mutated valid requests (bit flips, overwritten bytes, bad length
 * prefixes, cuts, extensions, random frames; reproducible from @seed), each
 * on its own connection half-closed after the frame, from @threads threads.
 * Counts the connections that got some answer, the ones closed (or refused)
 * without one, and the ones left open with nothing for 5 s. */
void cvmt_load_mutate(CvmtLoadKind kind, const char *path, guint n, guint threads, guint32 seed, guint *answered,
		      guint *closed, guint *hung);
