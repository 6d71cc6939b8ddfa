/*
 * smtp_sasl_auth(): SMTP AUTH through Cyrus libsasl2 (client side), only
 * inside TLS; XOAUTH2 and OAUTHBEARER are handed to smtp_oauth_auth.c.
 * The password lives in one heap buffer for the duration of
 * the exchange and is wiped before return.  A failure never falls back to
 * sending unauthenticated: the caller defers the mail.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sasl/sasl.h>
#include <sasl/saslutil.h>

#include "relayd/smtp/smtp_session.h"
#include "relayd/smtp/smtp_tls.h"

#define SASL_STEPS_MAX	10	/* 334 round trips before we give up */
#define B64_MAX		1024	/* one 334 line decodes to < 400 bytes */

/* libsasl2 keeps process-wide plugin state; sasl_client_init() must run
 * once per process (the one piece of global state here, unavoidable). */
static pthread_once_t sasl_once = PTHREAD_ONCE_INIT;
static int sasl_init_rc = SASL_FAIL;

/* Plugins a client never uses: the sasldb password store (it pulls in
 * Berkeley DB, 300 KB of the runner's memory) and ANONYMOUS (we always
 * authenticate).  libsasl2 loads every plugin of its directory unless
 * this callback turns one down. */
static int plugin_wanted(void *ctx, const char *file, sasl_verify_type_t t)
{
	static const char *const skip[] = { "libsasldb.", "libanonymous." };
	const char *base = strrchr(file, '/');
	size_t i;

	(void)ctx;
	if (t != SASL_VRFY_PLUGIN)
		return SASL_OK;
	base = base != NULL ? base + 1 : file;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strncmp(base, skip[i], strlen(skip[i])) == 0)
			return SASL_CONTINUE;
	return SASL_OK;
}

static void sasl_init(void)
{
	static const sasl_callback_t global[] = {
		{ SASL_CB_VERIFYFILE,
		    (int (*)(void))(void (*)(void))plugin_wanted, NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};

	sasl_init_rc = sasl_client_init(global);
}

struct sasl_ctx {
	const char *user;
	sasl_secret_t *secret;
};

static int cb_name(void *arg, int id, const char **result, unsigned *len)
{
	struct sasl_ctx *x = arg;
	/* No authorization identity: act as the authenticated user. */
	const char *v = id == SASL_CB_AUTHNAME ? x->user : "";

	*result = v;
	if (len)
		*len = (unsigned)strlen(v);
	return SASL_OK;
}

static int cb_pass(sasl_conn_t *conn, void *arg, int id,
    sasl_secret_t **out)
{
	struct sasl_ctx *x = arg;

	(void)conn;
	(void)id;
	*out = x->secret;
	return SASL_OK;
}

/* Mechanisms we use, in order of preference, among those offered:
 * challenge-response first (the server never sees the password), then the
 * plaintext ones (safe here only because TLS is up), DIGEST-MD5 (obsolete,
 * RFC 6331) only as a last resort.  GSSAPI, NTLM, ANONYMOUS are never used.
 * The order is ours, not libsasl2's, so the choice is predictable. */
static const char *const allowed[] = {
	"SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN",
	"DIGEST-MD5",
};

static int offered(const char *list, const char *mech)
{
	const char *p = list;
	size_t n = strlen(mech);

	while ((p = strcasestr(p, mech)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

static sasl_secret_t *secret_new(const char *password)
{
	size_t n = strlen(password);
	sasl_secret_t *s = malloc(sizeof(*s) + n + 1);

	if (s == NULL)
		return NULL;
	s->len = n;
	memcpy(s->data, password, n + 1);
	return s;
}

static void secret_free(sasl_secret_t *s)
{
	if (s == NULL)
		return;
	/* The copy of the password must not outlive the exchange. */
	explicit_bzero(s->data, s->len);
	free(s);
}

/* Send "AUTH MECH [b64]" or a bare response line, base64 of out[0, n). */
static int send_b64(struct smtp_session *s, const char *prefix,
    const char *out, unsigned n, int initial, struct smtp_status *st)
{
	char b64[B64_MAX], line[B64_MAX + 80];
	unsigned bl = 0;
	int len;

	if (n > 0 && sasl_encode64(out, n, b64, sizeof(b64), &bl) != SASL_OK) {
		smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP,
		    "SASL response too long");
		return -1;
	}
	b64[bl] = '\0';
	if (initial)	/* RFC 4954: "=" is an empty initial response */
		len = snprintf(line, sizeof(line), "%s %s\r\n", prefix,
		    n > 0 ? b64 : "=");
	else
		len = snprintf(line, sizeof(line), "%s%s\r\n", prefix, b64);
	len = smtp_io_write(s, line, (size_t)len, SMTP_STAGE_AUTH, st);
	explicit_bzero(line, sizeof(line));	/* may hold the password */
	explicit_bzero(b64, sizeof(b64));
	return len;
}

/* Decode the challenge of a 334 reply (first line, raw). */
static int challenge(struct smtp_session *s, const struct smtp_reply *r,
    char *out, unsigned outmax, unsigned *outlen, struct smtp_status *st)
{
	size_t pos = 0, tl = 0;
	const char *t = "";

	(void)smtp_reply_line(s->rbuf, r->consumed, &pos, &t, &tl);
	if (tl >= B64_MAX ||
	    sasl_decode64(t, (unsigned)tl, out, outmax, outlen) != SASL_OK) {
		smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP,
		    "bad base64 in the server's AUTH challenge");
		return -1;
	}
	return 0;
}

/* The 334 loop after AUTH was sent; 0 on 235. */
static int exchange(struct smtp_session *s, sasl_conn_t *conn,
    const char *mech, struct smtp_status *st)
{
	struct smtp_reply r;
	int step;

	for (step = 0; step < SASL_STEPS_MAX; step++) {
		char in[B64_MAX];
		const char *out = NULL;
		unsigned inlen = 0, outlen = 0;
		int rc;

		if (smtp_io_reply(s, &r, SMTP_STAGE_AUTH, st) < 0)
			return -1;
		if (r.code == 235)
			return 0;
		if (r.code != 334) {
			/* 535 and friends: a session-level, temporary
			 * outcome (fix the password, the mail stays). */
			smtp_status_reply(s, st, SMTP_STAGE_AUTH, &r);
			st->outcome = SMTP_TEMP;
			return -1;
		}
		if (challenge(s, &r, in, sizeof(in), &inlen, st) < 0)
			goto cancel;
		rc = sasl_client_step(conn, in, inlen, NULL, &out, &outlen);
		explicit_bzero(in, sizeof(in));
		if (rc != SASL_OK && rc != SASL_CONTINUE) {
			smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP,
			    "SASL %s step failed: %s", mech,
			    sasl_errdetail(conn));
			goto cancel;
		}
		if (send_b64(s, "", out, outlen, 0, st) < 0)
			return -1;
	}
	smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP,
	    "AUTH %s: more than %d challenges", mech, SASL_STEPS_MAX);
cancel:
	/* RFC 4954: "*" cancels; its 501 is read and ignored. */
	{
		struct smtp_status junk;

		if (smtp_io_write(s, "*\r\n", 3, SMTP_STAGE_AUTH, &junk) == 0)
			(void)smtp_io_reply(s, &r, SMTP_STAGE_AUTH, &junk);
	}
	return -1;
}

/* The OAuth mechanisms are ours (smtp_oauth_auth.c), never libsasl2's
 * (whose optional plugin would take the token differently). */
static const char *oauth_name(const char *name, size_t n)
{
	if (n == 7 && strncasecmp(name, "XOAUTH2", n) == 0)
		return "XOAUTH2";
	if (n == 11 && strncasecmp(name, "OAUTHBEARER", n) == 0)
		return "OAUTHBEARER";
	return NULL;
}

/* The first name of auth_mechanisms the server offers, when it is an
 * OAuth one; else NULL (libsasl2 then picks among the rest). */
static const char *oauth_pick(const struct smtp_session *s)
{
	const char *l = s->c->auth_mechanisms;
	char name[64];
	size_t n;

	for (; *l != '\0'; l += n + strspn(l + n, " ")) {
		n = strcspn(l, " ");
		if (n == 0 || n >= sizeof(name))
			continue;
		memcpy(name, l, n);
		name[n] = '\0';
		if (offered(s->caps.auth_mechs, name))
			return oauth_name(name, n);
	}
	return NULL;
}

/* sasl_client_start() with each acceptable offered mechanism in turn
 * (no I/O happens here) until the library has one. */
static int try_mech(struct smtp_session *s, sasl_conn_t *conn,
    const char *name, const char **out, unsigned *outlen, const char **mech)
{
	if (!offered(s->caps.auth_mechs, name) ||
	    oauth_name(name, strlen(name)) != NULL)
		return SASL_NOMECH;
	return sasl_client_start(conn, name, NULL, out, outlen, mech);
}

/* The config's auth_mechanisms ("A B C", upper case) when set, in its
 * order, else ours. */
static int pick(struct smtp_session *s, sasl_conn_t *conn, const char **out,
    unsigned *outlen, const char **mech)
{
	const char *l = s->c->auth_mechanisms;
	char name[64];
	size_t i, n;
	int rc = SASL_NOMECH;

	if (l[0] == '\0')
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]) &&
		    rc == SASL_NOMECH; i++)
			rc = try_mech(s, conn, allowed[i], out, outlen, mech);
	while (l[0] != '\0' && rc == SASL_NOMECH) {
		n = strcspn(l, " ");
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, l, n);
			name[n] = '\0';
			rc = try_mech(s, conn, name, out, outlen, mech);
		}
		l += n + strspn(l + n, " ");
	}
	return rc;
}

static int start(struct smtp_session *s, sasl_conn_t *conn,
    struct smtp_status *st)
{
	char prefix[80];
	const char *out = NULL, *mech = NULL;
	unsigned outlen = 0;
	int rc = pick(s, conn, &out, &outlen, &mech);

	if (rc == SASL_NOMECH) {
		smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP,
		    "no AUTH mechanism in common: the server offers %s; we "
		    "use %s%s; set auth or auth_mechanisms to one the server "
		    "offers", s->caps.auth_mechs,
		    s->c->auth_mechanisms[0] ? s->c->auth_mechanisms :
		    "SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 PLAIN LOGIN DIGEST-MD5",
		    s->c->auth_mechanisms[0] ? " (auth / auth_mechanisms)" :
		    "");
		st->advised = 1;
		return -1;
	}
	if ((rc != SASL_OK && rc != SASL_CONTINUE) || mech == NULL) {
		smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP,
		    "SASL start failed (offered: %s): %s", s->caps.auth_mechs,
		    sasl_errdetail(conn));
		return -1;
	}
	snprintf(s->info.auth_mech, sizeof(s->info.auth_mech), "%s", mech);
	snprintf(prefix, sizeof(prefix), "AUTH %s", mech);
	if (out != NULL) {
		if (send_b64(s, prefix, out, outlen, 1, st) < 0)
			return -1;
	} else {
		snprintf(prefix, sizeof(prefix), "AUTH %s\r\n", mech);
		if (smtp_io_write(s, prefix, strlen(prefix), SMTP_STAGE_AUTH,
		    st) < 0)
			return -1;
	}
	return exchange(s, conn, mech, st);
}

/* Security properties: no SASL security layer (TLS is the layer, its
 * strength given as external SSF), no anonymous login. */
static int set_props(struct smtp_session *s, sasl_conn_t *conn)
{
	sasl_security_properties_t sp;
	sasl_ssf_t ext = (sasl_ssf_t)SSL_get_cipher_bits(s->t.ssl, NULL);

	memset(&sp, 0, sizeof(sp));
	sp.security_flags = SASL_SEC_NOANONYMOUS;
	if (sasl_setprop(conn, SASL_SSF_EXTERNAL, &ext) != SASL_OK ||
	    sasl_setprop(conn, SASL_SEC_PROPS, &sp) != SASL_OK)
		return -1;
	return 0;
}

/* AUTH through libsasl2 with a mechanism it provides. */
static int sasl_lib_auth(struct smtp_session *s, const char *password,
    struct smtp_status *st)
{
	struct sasl_ctx x = { s->c->user, NULL };
	sasl_callback_t cbs[] = {
		{ SASL_CB_USER, (int (*)(void))(void (*)(void))cb_name, &x },
		{ SASL_CB_AUTHNAME, (int (*)(void))(void (*)(void))cb_name, &x },
		{ SASL_CB_PASS, (int (*)(void))(void (*)(void))cb_pass, &x },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	sasl_conn_t *conn = NULL;
	int rc = -1;

	pthread_once(&sasl_once, sasl_init);
	x.secret = secret_new(password ? password : "");
	if (sasl_init_rc != SASL_OK || x.secret == NULL ||
	    sasl_client_new("smtp", smtp_tls_name(s->c), NULL, NULL, cbs, 0,
	    &conn) != SASL_OK || set_props(s, conn) < 0) {
		smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP,
		    "SASL library initialisation failed");
		goto out;
	}
	rc = start(s, conn, st);
out:
	if (conn)
		sasl_dispose(&conn);
	secret_free(x.secret);
	return rc;
}

int smtp_sasl_auth(struct smtp_session *s, const char *password,
    struct smtp_status *st)
{
	const char *oauth;
	int rc;

	/* Hard rule, whatever the caller did: no credentials in clear. */
	if (!s->in_tls || s->t.ssl == NULL) {
		smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP,
		    "refusing AUTH without TLS");
		return -1;
	}
	if (!s->caps.auth) {
		smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP,
		    "server offers no AUTH after TLS; not sending "
		    "unauthenticated");
		return -1;
	}
	if ((oauth = oauth_pick(s)) != NULL)
		rc = smtp_oauth_auth(s, oauth, password ? password : "", st);
	else
		rc = sasl_lib_auth(s, password, st);
	if (rc == 0)
		smtp_status_ok(st, SMTP_STAGE_AUTH);
	return rc;
}
