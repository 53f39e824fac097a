/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IGVM-attest proxy's answer rules, retries, circuit breaker, in-flight
 * bound and concurrent front-end clients, against an in-process agent on a
 * real unix socket. */
#include "attest/proxy-private.h"
#include "tests/lib/testlib.h"

#include <cvm/attest-proxy.h>
#include <cvm/error.h>
#include <string.h>
#include <sys/socket.h>

enum { AGENT_OK, AGENT_V2_ERROR, AGENT_CLOSE, AGENT_GARBAGE, AGENT_SLOW, AGENT_GATE };

/* OpenVMM's vector: error 1103, HTTP 403, retry. */
static const guint8 v2_1103_403_retry[32] = {
	0x20, 0, 0, 0, 0x02, 0, 0, 0, 0x4F, 0x04, 0, 0, 0x93, 0x01, 0, 0, 0x01, 0, 0, 0,
};
/* cvm's own: 0xC0001 (agent unreachable), HTTP 503, retry. */
static const guint8 v2_unreachable_503_retry[32] = {
	0x20, 0, 0, 0, 0x02, 0, 0, 0, 0x01, 0, 0x0C, 0, 0xF7, 0x01, 0, 0, 0x01, 0, 0, 0,
};

typedef struct {
	gchar *dir;
	gchar *agent_path;
	gchar *front_path;
	GSocket *listener;
	GCancellable *stop;
	GThread *accept_thread;
	gint mode;
	gint calls;
	gint conns; /* connection threads alive */
	GMutex gate_lock;
	GCond gate_cond;
	gboolean gate_open;
	GPtrArray *failures; /* CvmAttestFailure copies (guest not kept) */
	GMutex failures_lock;
	CvmAttestProxy *proxy;
} Fixture;

static GBytes *
agent_answer(Fixture *f, GBytes *request)
{
	CvmIgvmAttestRequest req = {0};
	CvmIgvmAttestResponse r = {.version = 2};

	g_atomic_int_inc(&f->calls);
	switch (g_atomic_int_get(&f->mode)) {
	case AGENT_V2_ERROR: return g_bytes_new(v2_1103_403_retry, sizeof(v2_1103_403_retry));
	case AGENT_GARBAGE: return g_bytes_new("xxxxx", 5);
	case AGENT_SLOW: g_usleep(1500 * 1000); break;
	case AGENT_GATE:
		g_mutex_lock(&f->gate_lock);
		while (!f->gate_open)
			g_cond_wait(&f->gate_cond, &f->gate_lock);
		g_mutex_unlock(&f->gate_lock);
		break;
	default: break;
	}
	if (!cvm_igvm_attest_request_decode(g_bytes_get_data(request, NULL), g_bytes_get_size(request), &req, NULL))
		return g_bytes_new(NULL, 0);
	r.version = req.data_version;
	cvm_igvm_attest_request_clear(&req);
	r.payload = g_bytes_new_static("key", 3);
	GBytes *out = cvm_igvm_attest_response_encode(&r, NULL);
	g_bytes_unref(r.payload);
	return out;
}

typedef struct {
	Fixture *f;
	GSocket *s;
} Conn;

static gpointer
agent_conn(gpointer data)
{
	Conn *c = data;

	for (;;) {
		g_autoptr(GBytes) req = cvmi_attest_recv(c->s, CVM_IGVM_ATTEST_REQUEST_MAX, NULL);
		if (req == NULL)
			break;
		if (g_atomic_int_get(&c->f->mode) == AGENT_CLOSE) {
			g_atomic_int_inc(&c->f->calls);
			break;
		}
		g_autoptr(GBytes) resp = agent_answer(c->f, req);
		if (!cvmi_attest_send(c->s, resp, NULL))
			break;
	}
	g_object_unref(c->s);
	g_atomic_int_dec_and_test(&c->f->conns);
	g_free(c);
	return NULL;
}

static gpointer
agent_accept(gpointer data)
{
	Fixture *f = data;

	for (;;) {
		GSocket *s = g_socket_accept(f->listener, f->stop, NULL);
		if (s == NULL)
			return NULL;
		Conn *c = g_new0(Conn, 1);
		c->f = f;
		c->s = s;
		g_atomic_int_inc(&f->conns);
		g_thread_unref(g_thread_new("agent-conn", agent_conn, c));
	}
}

static void
on_failure(const CvmAttestFailure *failure, gpointer data)
{
	Fixture *f = data;
	CvmAttestFailure *copy = g_new(CvmAttestFailure, 1);

	*copy = *failure;
	copy->guest = g_str_equal(failure->guest, "g1") ? "g1" : "other";
	g_mutex_lock(&f->failures_lock);
	g_ptr_array_add(f->failures, copy);
	g_mutex_unlock(&f->failures_lock);
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GSocketAddress) addr = NULL;

	f->dir = cvmt_mkdtemp();
	f->agent_path = g_build_filename(f->dir, "agent.sock", NULL);
	f->front_path = g_build_filename(f->dir, "front.sock", NULL);
	addr = g_unix_socket_address_new(f->agent_path);
	f->listener = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
	assert_non_null(f->listener);
	assert_true(g_socket_bind(f->listener, addr, TRUE, NULL));
	assert_true(g_socket_listen(f->listener, NULL));
	f->stop = g_cancellable_new();
	g_mutex_init(&f->gate_lock);
	g_cond_init(&f->gate_cond);
	g_mutex_init(&f->failures_lock);
	f->failures = g_ptr_array_new_with_free_func(g_free);
	f->accept_thread = g_thread_new("agent", agent_accept, f);
	f->proxy = cvm_attest_proxy_new(on_failure, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	cvm_attest_proxy_free(f->proxy);
	g_cancellable_cancel(f->stop);
	g_thread_join(f->accept_thread);
	/* The proxy's pooled connections are closed: the agent threads end. */
	for (int i = 0; i < 500 && g_atomic_int_get(&f->conns) > 0; i++)
		g_usleep(10 * 1000);
	assert_int_equal(g_atomic_int_get(&f->conns), 0);
	g_object_unref(f->listener);
	g_object_unref(f->stop);
	g_ptr_array_unref(f->failures);
	g_mutex_clear(&f->gate_lock);
	g_cond_clear(&f->gate_cond);
	g_mutex_clear(&f->failures_lock);
	cvmt_rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->agent_path);
	g_free(f->front_path);
	g_free(f);
	return 0;
}

/* A request of @version; for v2 with @caps. */
static GBytes *
request(guint32 version, guint32 caps)
{
	CvmIgvmAttestRequest req = {.header_version = 2, .request_type = CVM_IGVM_ATTEST_KEY_RELEASE_REQUEST,
				    .report_type = 2, .hash_type = 1, .data_version = version, .capabilities = caps};
	GBytes *b;

	req.claims = g_bytes_new_static("{}", 2);
	b = cvm_igvm_attest_request_encode(&req, NULL);
	g_bytes_unref(req.claims);
	assert_non_null(b);
	return b;
}

#define CAPS_ALL (CVM_IGVM_CAP_ERROR_CODE | CVM_IGVM_CAP_RETRY)

static void
add_guest(Fixture *f, const char *agent_path, guint attempts, guint breaker, guint max_inflight)
{
	CvmAttestBackend b;
	g_autoptr(GError) error = NULL;

	cvm_attest_backend_init(&b);
	b.agent_socket = agent_path;
	b.attempts = attempts;
	b.backoff_ms = 1;
	b.timeout_ms = 1000;
	b.breaker_failures = breaker;
	b.breaker_open_ms = 200;
	b.max_inflight = max_inflight;
	assert_true(cvm_attest_proxy_add_guest(f->proxy, "g1", f->front_path, &b, &error));
	cvmt_assert_no_error(error);
}

/* Decodes @resp as v2 and checks its error info. */
static void
assert_v2_error(GBytes *resp, guint32 code, guint32 http, guint32 signal)
{
	CvmIgvmAttestResponse r;
	g_autoptr(GError) error = NULL;

	assert_true(cvm_igvm_attest_response_decode(g_bytes_get_data(resp, NULL), g_bytes_get_size(resp), &r, &error));
	assert_int_equal(r.version, 2);
	assert_int_equal(r.error_code, code);
	assert_int_equal(r.http_status_code, http);
	assert_int_equal(r.igvm_signal, signal);
	assert_int_equal(g_bytes_get_size(r.payload), 0);
	cvm_igvm_attest_response_clear(&r);
}

static GBytes *
ask(Fixture *f, guint32 version, guint32 caps)
{
	g_autoptr(GBytes) req = request(version, caps);
	return cvm_attest_proxy_handle(f->proxy, "g1", req);
}

static void
test_success_passes_the_agents_answer_for_v1_and_v2(void **state)
{
	Fixture *f = *state;
	CvmIgvmAttestResponse r;

	add_guest(f, f->agent_path, 3, 5, 16);
	for (guint32 v = 1; v <= 2; v++) {
		g_autoptr(GBytes) resp = ask(f, v, v == 2 ? CAPS_ALL : 0);
		assert_true(cvm_igvm_attest_response_decode(g_bytes_get_data(resp, NULL), g_bytes_get_size(resp), &r, NULL));
		assert_int_equal(r.version, v);
		assert_int_equal(r.error_code, 0);
		assert_memory_equal(g_bytes_get_data(r.payload, NULL), "key", 3);
		cvm_igvm_attest_response_clear(&r);
	}
	assert_int_equal(f->failures->len, 0);
}

static void
test_agent_v2_error_passes_through_byte_for_byte_without_retrying(void **state)
{
	Fixture *f = *state;
	CvmAttestStats st;

	add_guest(f, f->agent_path, 3, 5, 16);
	f->mode = AGENT_V2_ERROR;
	/* Even to a request without the retry capability: the agent's bytes are
	 * the agent's. */
	g_autoptr(GBytes) resp = ask(f, 2, CVM_IGVM_CAP_ERROR_CODE);
	assert_int_equal(g_bytes_get_size(resp), sizeof(v2_1103_403_retry));
	assert_memory_equal(g_bytes_get_data(resp, NULL), v2_1103_403_retry, sizeof(v2_1103_403_retry));
	assert_int_equal(g_atomic_int_get(&f->calls), 1);
	cvm_attest_proxy_get_stats(f->proxy, &st);
	assert_int_equal(st.passthrough_errors, 1);
	assert_int_equal(st.retries, 0);
}

static void
test_dead_agent_gives_v2_unreachable_503_retry_after_bounded_attempts(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *nowhere = g_build_filename(f->dir, "nowhere.sock", NULL);
	CvmAttestStats st;

	add_guest(f, nowhere, 3, 5, 16);
	g_autoptr(GBytes) resp = ask(f, 2, CAPS_ALL);
	assert_int_equal(g_bytes_get_size(resp), sizeof(v2_unreachable_503_retry));
	assert_memory_equal(g_bytes_get_data(resp, NULL), v2_unreachable_503_retry, sizeof(v2_unreachable_503_retry));
	cvm_attest_proxy_get_stats(f->proxy, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.retries, 2);
	assert_int_equal(f->failures->len, 1);
	CvmAttestFailure *ev = g_ptr_array_index(f->failures, 0);
	assert_string_equal(ev->guest, "g1");
	assert_int_equal(ev->error_code, CVM_ATTEST_PROXY_ERROR_AGENT_UNREACHABLE);
	assert_int_equal(ev->http_status, 503);
	assert_true(ev->retry);
}

static void
test_v1_and_v2_without_error_code_capability_never_get_a_v2_header(void **state)
{
	Fixture *f = *state;
	const gint modes[] = {AGENT_CLOSE, AGENT_GARBAGE};

	add_guest(f, f->agent_path, 1, 100, 16);
	for (gsize i = 0; i < G_N_ELEMENTS(modes); i++) {
		f->mode = modes[i];
		g_autoptr(GBytes) v1 = ask(f, 1, 0);
		g_autoptr(GBytes) nocap = ask(f, 2, CVM_IGVM_CAP_RETRY);
		assert_int_equal(g_bytes_get_size(v1), 0);
		assert_int_equal(g_bytes_get_size(nocap), 0);
	}
	/* The events still say what happened, with no HTTP status or retry. */
	assert_int_equal(f->failures->len, 4);
	CvmAttestFailure *ev = g_ptr_array_index(f->failures, 0);
	assert_int_equal(ev->error_code, CVM_ATTEST_PROXY_ERROR_AGENT_BAD_RESPONSE);
	assert_int_equal(ev->http_status, 0);
	assert_false(ev->retry);
}

static void
test_retry_signal_only_when_the_request_advertises_it(void **state)
{
	Fixture *f = *state;

	add_guest(f, f->agent_path, 1, 100, 16);
	f->mode = AGENT_GARBAGE;
	g_autoptr(GBytes) with = ask(f, 2, CAPS_ALL);
	g_autoptr(GBytes) without = ask(f, 2, CVM_IGVM_CAP_ERROR_CODE);
	assert_v2_error(with, CVM_ATTEST_PROXY_ERROR_AGENT_BAD_RESPONSE, 502, CVM_IGVM_SIGNAL_RETRY);
	assert_v2_error(without, CVM_ATTEST_PROXY_ERROR_AGENT_BAD_RESPONSE, 502, 0);
}

static void
test_undecodable_request_is_not_forwarded_and_gets_an_empty_answer(void **state)
{
	Fixture *f = *state;

	add_guest(f, f->agent_path, 3, 5, 16);
	g_autoptr(GBytes) junk = g_bytes_new("HCLA-not-really", 15);
	g_autoptr(GBytes) resp = cvm_attest_proxy_handle(f->proxy, "g1", junk);
	assert_int_equal(g_bytes_get_size(resp), 0);
	assert_int_equal(g_atomic_int_get(&f->calls), 0);
	assert_int_equal(f->failures->len, 1);
	assert_int_equal(((CvmAttestFailure *)g_ptr_array_index(f->failures, 0))->error_code,
			 CVM_ATTEST_PROXY_ERROR_BAD_REQUEST);
}

static void
test_unknown_guest_gets_an_empty_answer(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) req = request(2, CAPS_ALL);

	add_guest(f, f->agent_path, 3, 5, 16);
	g_autoptr(GBytes) resp = cvm_attest_proxy_handle(f->proxy, "g2", req);
	assert_int_equal(g_bytes_get_size(resp), 0);
	assert_int_equal(g_atomic_int_get(&f->calls), 0);
}

static void
test_slow_agent_is_cut_off_with_v2_timeout_504(void **state)
{
	Fixture *f = *state;

	add_guest(f, f->agent_path, 1, 5, 16);
	f->mode = AGENT_SLOW;
	gint64 t0 = g_get_monotonic_time();
	g_autoptr(GBytes) resp = ask(f, 2, CAPS_ALL);
	assert_true(g_get_monotonic_time() - t0 < 1400 * 1000);
	assert_v2_error(resp, CVM_ATTEST_PROXY_ERROR_AGENT_TIMEOUT, 504, CVM_IGVM_SIGNAL_RETRY);
}

static void
test_circuit_opens_fails_fast_without_the_agent_then_closes(void **state)
{
	Fixture *f = *state;

	add_guest(f, f->agent_path, 1, 2, 16);
	f->mode = AGENT_CLOSE;
	for (int i = 0; i < 2; i++) {
		g_autoptr(GBytes) resp = ask(f, 2, CAPS_ALL);
		assert_v2_error(resp, CVM_ATTEST_PROXY_ERROR_AGENT_BAD_RESPONSE, 502, CVM_IGVM_SIGNAL_RETRY);
	}
	assert_int_equal(g_atomic_int_get(&f->calls), 2);
	g_autoptr(GBytes) open = ask(f, 2, CAPS_ALL);
	assert_v2_error(open, CVM_ATTEST_PROXY_ERROR_CIRCUIT_OPEN, 503, CVM_IGVM_SIGNAL_RETRY);
	g_autoptr(GBytes) open_v1 = ask(f, 1, 0);
	assert_int_equal(g_bytes_get_size(open_v1), 0);
	assert_int_equal(g_atomic_int_get(&f->calls), 2);
	/* After breaker_open_ms the agent is tried again. */
	f->mode = AGENT_OK;
	g_usleep(250 * 1000);
	CvmIgvmAttestResponse r;
	g_autoptr(GBytes) again = ask(f, 2, CAPS_ALL);
	assert_true(cvm_igvm_attest_response_decode(g_bytes_get_data(again, NULL), g_bytes_get_size(again), &r, NULL));
	assert_int_equal(r.error_code, 0);
	cvm_igvm_attest_response_clear(&r);
	assert_int_equal(g_atomic_int_get(&f->calls), 3);
}

typedef struct {
	Fixture *f;
	GBytes *resp;
} Pending;

static gpointer
ask_thread(gpointer data)
{
	Pending *p = data;
	p->resp = ask(p->f, 2, CAPS_ALL);
	return NULL;
}

static void
test_requests_beyond_max_inflight_are_refused_as_overloaded(void **state)
{
	Fixture *f = *state;
	Pending first = {.f = f};

	add_guest(f, f->agent_path, 1, 5, 1);
	f->mode = AGENT_GATE;
	GThread *t = g_thread_new("first", ask_thread, &first);
	for (int i = 0; i < 500 && g_atomic_int_get(&f->calls) == 0; i++)
		g_usleep(2 * 1000);
	assert_int_equal(g_atomic_int_get(&f->calls), 1);
	g_autoptr(GBytes) second = ask(f, 2, CAPS_ALL);
	assert_v2_error(second, CVM_ATTEST_PROXY_ERROR_OVERLOADED, 503, CVM_IGVM_SIGNAL_RETRY);
	g_mutex_lock(&f->gate_lock);
	f->gate_open = TRUE;
	g_cond_broadcast(&f->gate_cond);
	g_mutex_unlock(&f->gate_lock);
	g_thread_join(t);
	CvmIgvmAttestResponse r;
	assert_true(cvm_igvm_attest_response_decode(g_bytes_get_data(first.resp, NULL), g_bytes_get_size(first.resp), &r,
						    NULL));
	assert_int_equal(r.error_code, 0);
	cvm_igvm_attest_response_clear(&r);
	g_bytes_unref(first.resp);
}

static void
test_agent_command_that_hangs_is_killed_at_the_timeout(void **state)
{
	Fixture *f = *state;
	const char *const argv[] = {"/bin/sleep", "30", NULL};
	CvmAttestBackend b;

	cvm_attest_backend_init(&b);
	b.agent_argv = argv;
	b.attempts = 1;
	b.timeout_ms = 200;
	assert_true(cvm_attest_proxy_add_guest(f->proxy, "g1", f->front_path, &b, NULL));
	gint64 t0 = g_get_monotonic_time();
	g_autoptr(GBytes) resp = ask(f, 2, CAPS_ALL);
	assert_true(g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC);
	assert_v2_error(resp, CVM_ATTEST_PROXY_ERROR_AGENT_TIMEOUT, 504, CVM_IGVM_SIGNAL_RETRY);
}

static void
test_backend_without_agent_or_attempts_is_refused(void **state)
{
	Fixture *f = *state;
	CvmAttestBackend b;
	g_autoptr(GError) error = NULL;

	cvm_attest_backend_init(&b);
	assert_false(cvm_attest_proxy_add_guest(f->proxy, "g1", f->front_path, &b, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
	g_clear_error(&error);
	b.agent_socket = f->agent_path;
	b.attempts = 11;
	assert_false(cvm_attest_proxy_add_guest(f->proxy, "g1", f->front_path, &b, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
}

#define CLIENTS 8
#define PER_CLIENT 25

typedef struct {
	const char *path;
	GBytes *req;
	gint good;
} Client;

/* One VMM-like client on its own connection, several requests in turn. */
static gpointer
client_thread(gpointer data)
{
	Client *c = data;
	g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(c->path);

	g_socket_set_timeout(s, 10);
	if (!g_socket_connect(s, addr, NULL, NULL))
		return NULL;
	for (int i = 0; i < PER_CLIENT; i++) {
		CvmIgvmAttestResponse r;
		g_autoptr(GBytes) resp = NULL;
		if (!cvmi_attest_send(s, c->req, NULL) ||
		    (resp = cvmi_attest_recv(s, CVM_IGVM_ATTEST_RESPONSE_MAX, NULL)) == NULL)
			return NULL;
		if (cvm_igvm_attest_response_decode(g_bytes_get_data(resp, NULL), g_bytes_get_size(resp), &r, NULL)) {
			if (r.version == 2 && r.error_code == 0 && g_bytes_get_size(r.payload) == 3)
				c->good++;
			cvm_igvm_attest_response_clear(&r);
		}
	}
	return NULL;
}

static gpointer
run_loop(gpointer loop)
{
	g_main_loop_run(loop);
	return NULL;
}

static void
test_concurrent_clients_on_the_front_end_all_get_their_answers(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) req = request(2, CAPS_ALL);
	Client clients[CLIENTS];
	GThread *threads[CLIENTS];
	CvmAttestStats st;

	/* The front end accepts on the default main context, run here by a
	 * thread of its own. */
	add_guest(f, f->agent_path, 3, 5, CLIENTS);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	GThread *lt = g_thread_new("loop", run_loop, loop);
	for (int i = 0; i < CLIENTS; i++) {
		clients[i] = (Client){.path = f->front_path, .req = req};
		threads[i] = g_thread_new("client", client_thread, &clients[i]);
	}
	for (int i = 0; i < CLIENTS; i++) {
		g_thread_join(threads[i]);
		assert_int_equal(clients[i].good, PER_CLIENT);
	}
	cvmt_loop_quit(loop);
	g_thread_join(lt);
	cvm_attest_proxy_get_stats(f->proxy, &st);
	assert_int_equal(st.requests, CLIENTS * PER_CLIENT);
	assert_int_equal(st.failures, 0);
	assert_int_equal(g_atomic_int_get(&f->calls), CLIENTS * PER_CLIENT);
}

typedef struct {
	GSocket *s;
	GBytes *msg;
	guint delay_ms;
} LateSend;

static gpointer
late_send(gpointer data)
{
	LateSend *l = data;
	g_usleep((gulong)l->delay_ms * 1000);
	cvmi_attest_send(l->s, l->msg, NULL);
	return NULL;
}

/* Polling before blocking must never lose a message: one that comes after
 * the polling window, one that comes while another thread holds the gate,
 * and one already there with the gate closed by other active requests; two
 * messages in one read stay apart. The gate is free afterwards. */
static void
test_polling_receive_falls_back_to_blocking_and_frees_the_gate(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	g_autoptr(GSocket) a = g_socket_new_from_fd(fds[0], NULL);
	g_autoptr(GSocket) b = g_socket_new_from_fd(fds[1], NULL);
	assert_true(cvmi_attest_socket_prepare(a, 5000, NULL) && cvmi_attest_socket_prepare(b, 5000, NULL));
	g_autoptr(GBytes) msg = g_bytes_new_static("request", 7);
	g_autoptr(GByteArray) carry = g_byte_array_new();
	CvmiPollGate gate = {0};
	struct { gint polling, active; gboolean in_request; guint delay_ms; } cases[] = {
		{0, 0, FALSE, 3 * CVMI_ATTEST_POLL_US / 1000 + 20}, /* polls, then blocks */
		{1, 0, FALSE, 20},                                  /* another thread polls */
		{0, 2, TRUE, 0},                                    /* others are busy */
		{0, 1, TRUE, 0},                                    /* only this request */
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gate.polling = cases[i].polling;
		gate.active = cases[i].active;
		LateSend l = {.s = b, .msg = msg, .delay_ms = cases[i].delay_ms};
		GThread *t = g_thread_new("late-send", late_send, &l);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) got = cvmi_attest_recv_buffered(a, 64, carry, &gate, cases[i].in_request, &error);
		g_thread_join(t);
		assert_non_null(got);
		assert_true(g_bytes_equal(got, msg));
		assert_int_equal(gate.polling, cases[i].polling);
	}
	assert_true(cvmi_attest_send(b, msg, NULL) && cvmi_attest_send(b, msg, NULL));
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GBytes) got = cvmi_attest_recv_buffered(a, 64, carry, &gate, FALSE, NULL);
		assert_non_null(got);
		assert_true(g_bytes_equal(got, msg));
	}
	assert_int_equal(carry->len, 0);
	g_socket_close(b, NULL);
	g_autoptr(GError) error = NULL;
	gate = (CvmiPollGate){0};
	assert_null(cvmi_attest_recv_buffered(a, 64, carry, &gate, FALSE, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_IO));
	assert_int_equal(gate.polling, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_success_passes_the_agents_answer_for_v1_and_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_v2_error_passes_through_byte_for_byte_without_retrying, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dead_agent_gives_v2_unreachable_503_retry_after_bounded_attempts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_v1_and_v2_without_error_code_capability_never_get_a_v2_header, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retry_signal_only_when_the_request_advertises_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undecodable_request_is_not_forwarded_and_gets_an_empty_answer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_guest_gets_an_empty_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_agent_is_cut_off_with_v2_timeout_504, setup, teardown),
		cmocka_unit_test_setup_teardown(test_circuit_opens_fails_fast_without_the_agent_then_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests_beyond_max_inflight_are_refused_as_overloaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_command_that_hangs_is_killed_at_the_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_without_agent_or_attempts_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_clients_on_the_front_end_all_get_their_answers, setup,
						teardown),
		cmocka_unit_test(test_polling_receive_falls_back_to_blocking_and_frees_the_gate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
