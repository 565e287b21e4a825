/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * http_auth.c - authentication for the HTTP server (http.h): Basic
 * credentials, the bcrypt thread with its queue (the success cache is
 * webcfg_check_cached, webcfg.h), and the client certificate verdict.
 */
#include "exporter/http_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>
#include <gnutls/gnutls.h>

#include "exporter/webcfg.h"

/* ---- authentication ------------------------------------------------------ */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes base64 into out (NUL-terminated); -1 on bad input or too long. */
static int b64decode(const char *in, char *out, size_t outsz)
{
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *in && *in != '='; in++) {
		int v = b64val((unsigned char)*in);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= outsz)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return memchr(out, '\0', n) ? -1 : 0;
}

/* The user and password of a Basic Authorization header; false when there is none or it is bad. */
static bool credentials(struct MHD_Connection *conn, char *dec, size_t decsz, char **password)
{
	const char *a = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char *colon;

	if (!a || strncasecmp(a, "Basic ", 6) != 0)
		return false;
	a += 6;
	while (*a == ' ')
		a++;
	if (b64decode(a, dec, decsz) != 0)
		return false;
	colon = strchr(dec, ':');
	if (!colon)
		return false;
	*colon = '\0';
	*password = colon + 1;
	return true;
}

/*
 * The bcrypt thread: takes password checks from the queue, runs them, and
 * resumes their connections.  At the stop, the checks still queued are
 * answered as failed without bcrypt, so no connection stays suspended.
 */
void *http_bcrypt_main(void *arg)
{
	struct http_server *h = arg;

	/*
	 * Ten steps nicer than the rest of the process (Linux: per thread):
	 * under load the CPU goes to the threads that answer scrapes first.
	 */
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (errno == 0)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), prio + 10 > 19 ? 19 : prio + 10);
	pthread_mutex_lock(&h->bc_lock);
	for (;;) {
		struct bc_job j;
		bool ok;

		while (!h->bc_len && !h->bc_stopping)
			pthread_cond_wait(&h->bc_cond, &h->bc_lock);
		if (!h->bc_len)
			break;	/* stopping, queue empty */
		j = h->bc_q[h->bc_head];
		explicit_bzero(&h->bc_q[h->bc_head], sizeof h->bc_q[h->bc_head]);
		h->bc_head = (h->bc_head + 1) % HTTP_BCRYPT_QUEUE;
		h->bc_len--;
		if (h->bc_stopping) {
			atomic_store(&j.r->auth, AUTH_FAILED);
			MHD_resume_connection(j.conn);
			continue;
		}
		pthread_mutex_unlock(&h->bc_lock);
		ok = webcfg_check(h->deps.web, j.user, j.password);
		explicit_bzero(j.user, sizeof j.user);
		explicit_bzero(j.password, sizeof j.password);
		atomic_store(&j.r->auth, ok ? AUTH_OK : AUTH_FAILED);
		MHD_resume_connection(j.conn);	/* r may be gone after this: not touched again */
		pthread_mutex_lock(&h->bc_lock);
	}
	pthread_mutex_unlock(&h->bc_lock);
	return NULL;
}

/*
 * Basic auth for a request: AUTH_OK, AUTH_FAILED, or AUTH_PENDING when the
 * connection was suspended for the bcrypt thread (it comes back with the
 * verdict in r->auth), or -1 when the queue is full (429).
 */
int http_check_auth(struct http_server *h, struct MHD_Connection *conn, struct req *r)
{
	char dec[512], *password;
	int verdict = atomic_load(&r->auth);

	if (verdict == AUTH_OK || verdict == AUTH_FAILED)
		return verdict;
	if (!credentials(conn, dec, sizeof dec, &password))
		return AUTH_FAILED;
	if (strlen(dec) >= sizeof ((struct bc_job *)0)->user ||
	    strlen(password) >= sizeof ((struct bc_job *)0)->password) {
		explicit_bzero(dec, sizeof dec);
		return AUTH_FAILED;
	}
	if (webcfg_check_cached(h->deps.web, dec, password)) {
		explicit_bzero(dec, sizeof dec);
		return AUTH_OK;
	}
	pthread_mutex_lock(&h->bc_lock);
	if (h->bc_stopping || !h->bc_running || h->bc_len == HTTP_BCRYPT_QUEUE) {
		pthread_mutex_unlock(&h->bc_lock);
		explicit_bzero(dec, sizeof dec);
		return -1;
	}
	{
		struct bc_job *j = &h->bc_q[(h->bc_head + h->bc_len) % HTTP_BCRYPT_QUEUE];
		j->conn = conn;
		j->r = r;
		/* Both fit: their lengths were checked against these fields above. */
		memcpy(j->user, dec, strlen(dec) + 1);
		memcpy(j->password, password, strlen(password) + 1);
		h->bc_len++;
	}
	atomic_store(&r->auth, AUTH_PENDING);
	/* Suspended before the bcrypt thread can see the job: it waits for this lock. */
	MHD_suspend_connection(conn);
	pthread_cond_signal(&h->bc_cond);
	pthread_mutex_unlock(&h->bc_lock);
	explicit_bzero(dec, sizeof dec);
	return AUTH_PENDING;
}

/*
 * The client certificate verdict under client_auth_type, once per
 * connection: true when the connection may go on.
 */
bool http_client_cert_ok(const struct webcfg *web, struct MHD_Connection *conn, bool *verified)
{
	const union MHD_ConnectionInfo *ci;
	struct conn_watch *w = http_conn_watch_of(conn);
	gnutls_session_t sess;
	unsigned n = 0, status = 0;
	bool ok;

	if (!web || !web->cert_pem || web->client_auth == WEBCFG_NO_CLIENT_CERT)
		return true;
	*verified = false;
	if (w && w->cert)
		return w->cert > 0;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	sess = ci ? (gnutls_session_t)ci->tls_session : NULL;
	if (!sess)
		return false;
	bool given = gnutls_certificate_get_peers(sess, &n) != NULL && n > 0;
	switch (web->client_auth) {
	case WEBCFG_REQUEST_CLIENT_CERT:
		ok = true;
		break;
	case WEBCFG_REQUIRE_ANY_CLIENT_CERT:
		ok = given;
		break;
	case WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN:
		ok = !given || (gnutls_certificate_verify_peers2(sess, &status) == 0 && status == 0);
		break;
	default:
		ok = given && gnutls_certificate_verify_peers2(sess, &status) == 0 && status == 0;
		break;
	}
	*verified = ok && given && web->client_auth >= WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN;
	if (w)
		w->cert = ok ? 1 : -1;
	return ok;
}
