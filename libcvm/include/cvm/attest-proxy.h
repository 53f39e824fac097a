/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IGVM-attest proxy (docs/attest.md, "The proxy"): a front end on a unix
 * socket per guest, where a VMM or paravisor transport hands over the
 * guest's IGVM attest request, and a back end per guest (an agent on a unix
 * socket, or an agent command run per request) that answers it.
 *
 * Framing on every socket: a little-endian u32 length, then that many bytes
 * (a request of at most CVM_IGVM_ATTEST_REQUEST_MAX bytes; a response of at
 * most CVM_IGVM_ATTEST_RESPONSE_MAX; length 0 is the v1 "failed" answer).
 *
 * v2 error propagation: a request whose request data is version 2 and
 * advertises CVM_IGVM_CAP_ERROR_CODE gets every failure as a v2 header (error
 * code, HTTP status, and the retry signal when the request also advertises
 * CVM_IGVM_CAP_RETRY, per the table in docs/attest.md); an agent's own
 * response, v2 error or not, passes through byte for byte. A v1 request gets
 * exactly v1 behaviour: the agent's response, or an empty one.
 */
#pragma once

#include <cvm/attest-igvm.h>
#include <glib.h>

G_BEGIN_DECLS

/* Error codes cvm puts in IgvmErrorInfo.error_code for failures of its own
 * (the agent's codes pass through). */
typedef enum {
	CVM_ATTEST_PROXY_ERROR_AGENT_UNREACHABLE = 0xC0001, /* 503, retry */
	CVM_ATTEST_PROXY_ERROR_AGENT_TIMEOUT = 0xC0002,     /* 504, retry */
	CVM_ATTEST_PROXY_ERROR_AGENT_BAD_RESPONSE = 0xC0003,/* 502, retry */
	CVM_ATTEST_PROXY_ERROR_OVERLOADED = 0xC0004,        /* 503, retry */
	CVM_ATTEST_PROXY_ERROR_CIRCUIT_OPEN = 0xC0005,      /* 503, retry */
	CVM_ATTEST_PROXY_ERROR_BAD_REQUEST = 0xC0006,       /* 400, no retry */
} CvmAttestProxyError;

/**
 * CvmAttestBackend:
 * @agent_socket: (nullable): path of the agent's unix socket
 * @agent_argv: (nullable): command run per request (request on stdin,
 *   response on stdout, both framed); one of the two is set
 * @timeout_ms: bound on one attempt (connect, send, answer)
 * @attempts: attempts per request for transient failures (1-10)
 * @backoff_ms: wait before the second attempt, doubled for each next one
 * @breaker_failures: consecutive failed requests that open the circuit
 * @breaker_open_ms: how long an open circuit fails requests at once
 * @max_inflight: requests handled at once for this guest; more are refused
 *   as overloaded
 */
typedef struct {
	const char *agent_socket;
	const char *const *agent_argv;
	guint timeout_ms;
	guint attempts;
	guint backoff_ms;
	guint breaker_failures;
	guint breaker_open_ms;
	guint max_inflight;
} CvmAttestBackend;

/* Defaults: 5 s timeout, 3 attempts, 100 ms backoff, circuit opens after 5
 * failed requests for 10 s, 16 requests in flight. */
void cvm_attest_backend_init(CvmAttestBackend *backend);

/**
 * CvmAttestFailure:
 * @guest: the guest's name
 * @error_code: what the guest was told (cvm's code, or the agent's)
 * @http_status: the HTTP status in the v2 header (0 for a v1 request)
 * @retry: whether the retry signal was set
 *
 * One failed request, for the failure callback (counters and the D-Bus
 * signal).
 */
typedef struct {
	const char *guest;
	guint32 error_code;
	guint32 http_status;
	gboolean retry;
} CvmAttestFailure;

typedef void (*CvmAttestFailureFunc)(const CvmAttestFailure *failure, gpointer user_data);

/**
 * CvmAttestStats:
 * @requests: requests received
 * @failures: requests answered with a failure
 * @retries: extra attempts made towards agents
 * @passthrough_errors: agent v2 errors passed through
 */
typedef struct {
	guint64 requests;
	guint64 failures;
	guint64 retries;
	guint64 passthrough_errors;
} CvmAttestStats;

typedef struct _CvmAttestProxy CvmAttestProxy;

/* A proxy with no guests; @func (nullable) is called from worker threads. */
CvmAttestProxy *cvm_attest_proxy_new(CvmAttestFailureFunc func, gpointer user_data);
void cvm_attest_proxy_free(CvmAttestProxy *proxy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmAttestProxy, cvm_attest_proxy_free)

/**
 * cvm_attest_listen_check:
 * @listen: where an attestation front end (proxy, QGS, certificates) is to
 *   listen, as a daemon's configuration gives it
 * @error: return location for a #GError
 *
 * Checks @listen without binding anything: an absolute unix socket path
 * (bare or unix:PATH) or vsock:CID:PORT; tcp is refused.
 *
 * Returns: %FALSE with CVM_ERROR_INVALID_ARGUMENT otherwise
 */
gboolean cvm_attest_listen_check(const char *listen, GError **error);

/**
 * cvm_attest_proxy_add_guest:
 * @proxy: the proxy
 * @guest: the guest's name
 * @listen: where the front end listens: a unix socket path (bare or
 *   unix:PATH; an existing socket file is replaced) or vsock:CID:PORT (CID
 *   "any" for every CID)
 * @backend: where its requests go (copied)
 * @error: return location for a #GError
 *
 * Starts serving @guest; requests are handled on worker threads while the
 * thread-default main context runs.
 */
gboolean cvm_attest_proxy_add_guest(CvmAttestProxy *proxy, const char *guest, const char *listen,
				    const CvmAttestBackend *backend, GError **error);

/** cvm_attest_proxy_get_stats: a snapshot of the counters; safe from any thread. */
void cvm_attest_proxy_get_stats(CvmAttestProxy *proxy, CvmAttestStats *out);

/**
 * cvm_attest_proxy_handle:
 * @proxy: the proxy
 * @guest: a guest added before
 * @request: the request bytes as received
 *
 * The proxy's decision for one request, without the front-end socket (the
 * front end calls it; tests and benchmarks may too).
 *
 * Returns: (transfer full): the response to send (possibly empty)
 */
GBytes *cvm_attest_proxy_handle(CvmAttestProxy *proxy, const char *guest, GBytes *request);

G_END_DECLS
