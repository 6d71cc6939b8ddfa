/*
 * TLS tests: a throwaway CA and server certificates made with the OpenSSL
 * API, an OpenSSL server in the scripted peer (socketpair, no ports).
 * Valid chain + name, wrong name, untrusted CA, TLS 1.1-only server, pins
 * (self-signed accepted by pin, CA-valid refused by a different pin),
 * implicit TLS, IP literal, capabilities reset, AUTH PLAIN/LOGIN/535.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sasl/sasl.h>
#include <sasl/saslutil.h>

#include "relayd/smtp/smtp_session.h"
#include "relayd/smtp/smtp_tls.h"
#include "test_smtp_peer.h"
#include "test_smtp_pki.h"

static EVP_PKEY *ca1_key, *ca2_key, *leaf_key, *self_key;
static X509 *ca1, *ca2, *leaf, *self;
static char dir[64], ca1_path[128], ca2_path[128];

/* Built once in main(); the forked tests inherit it. */
static void fixtures(void)
{
	snprintf(dir, sizeof(dir), "/tmp/outpost-smtp-tls-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	ca1_key = EVP_EC_gen("P-256");
	ca2_key = EVP_EC_gen("P-256");
	leaf_key = EVP_EC_gen("P-256");
	self_key = EVP_EC_gen("P-256");
	ca1 = cert_new(ca1_key, "Test CA One", NULL, NULL, NULL);
	ca2 = cert_new(ca2_key, "Test CA Two", NULL, NULL, NULL);
	leaf = cert_new(leaf_key, "mail.test", ca1, ca1_key,
	    "DNS:mail.test,IP:127.0.0.1");
	self = cert_new(self_key, "mail.test", NULL, NULL, "DNS:mail.test");
	snprintf(ca1_path, sizeof(ca1_path), "%s/ca1.pem", dir);
	snprintf(ca2_path, sizeof(ca2_path), "%s/ca2.pem", dir);
	write_pem(ca1_path, ca1);
	write_pem(ca2_path, ca2);
}

static void fixtures_free(void)
{
	char db[160];

	snprintf(db, sizeof(db), "%s/sasldb2", dir);
	unlink(db);
	unlink(ca1_path);
	unlink(ca2_path);
	rmdir(dir);
}

static struct conf C;
static struct peer *P;
static struct smtp_session *S;
static struct smtp_status ST;
static SSL_CTX *SC;

static void conf_init(void)
{
	memset(&C, 0, sizeof(C));
	snprintf(C.host, sizeof(C.host), "mail.test");
	snprintf(C.from, sizeof(C.from), "me@example.org");
	snprintf(C.tls_ca_file, sizeof(C.tls_ca_file), "%s", ca1_path);
	C.port = 587;
	C.tls = CONF_TLS_STARTTLS;
	C.command_timeout = 5;
}

static int run(const struct peer_step *steps, X509 *cert, EVP_PKEY *key,
    int tls11, const char *pw)
{
	int fd;

	signal(SIGPIPE, SIG_IGN);
	SC = server_ctx(cert, key, tls11);
	P = peer_start(steps, SC, C.tls == CONF_TLS_IMPLICIT, &fd);
	return smtp_open_fd(&C, pw, fd, &S, &ST);
}

static void finish(void)
{
	smtp_close(S);
	S = NULL;
	peer_join(P);
}

static void cleanup(void)
{
	peer_free(P);
	SSL_CTX_free(SC);
}

#define GREET	{ NULL, "220 mail.test ESMTP\r\n", P_NONE, 0 }
#define EHLO1	{ "EHLO", "250-mail.test\r\n250-X-BEFORE\r\n" \
	"250 STARTTLS\r\n", P_NONE, 0 }
#define STLS	{ "STARTTLS\r\n", "220 2.0.0 ready\r\n", P_TLS, 0 }
#define QUIT	{ "QUIT", "221 bye\r\n", P_NONE, 0 }
#define END	{ NULL, NULL, P_NONE, 0 }

/* The bytes the peer received before its TLS handshake. */
static size_t clear_len(void)
{
	const char *t = strstr(P->log, "STARTTLS\r\n");

	return t ? (size_t)(t - P->log) + 10 : 0;
}

START_TEST(verified_auth_plain_and_send)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS,
		{ "EHLO", "250-mail.test\r\n250-X-AFTER\r\n250-PIPELINING\r\n"
		    "250 AUTH PLAIN\r\n", P_NONE, 0 },
		{ "AUTH PLAIN AHVzZXIAcGFzcw==\r\n", "235 2.7.0 ok\r\n",
		    P_NONE, 0 },
		{ "MAIL", "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 },
		{ NULL, "250 ok\r\n", P_DATA, 0 },
		QUIT, END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_info info;
	struct smtp_msg m;
	size_t n = 100000, i;
	char *text = malloc(n);
	FILE *f = tmpfile();

	for (i = 0; i < n; i++)
		text[i] = i % 70 == 69 ? '\n' : 'y';
	fwrite(text, 1, n, f);
	fflush(f);
	conf_init();
	snprintf(C.user, sizeof(C.user), "user");
	ck_assert_msg(run(s, leaf, leaf_key, 0, "pass") == 0, "%s", ST.text);
	smtp_get_info(S, &info);
	ck_assert_str_eq(info.auth_mech, "PLAIN");
	ck_assert_ptr_nonnull(strstr(info.caps, "X-AFTER"));
	ck_assert_ptr_null(strstr(info.caps, "X-BEFORE"));
	ck_assert_ptr_nonnull(strstr(info.tls_version, "TLSv1."));
	ck_assert_str_eq(info.cert_subject, "CN=mail.test");
	ck_assert_str_eq(info.cert_issuer, "CN=Test CA One");
	ck_assert_int_eq(strncmp(info.cert_sha256, "sha256:", 7), 0);
	ck_assert_uint_eq(strlen(info.spki_sha256), 7 + 64);
	memset(&m, 0, sizeof(m));
	m.sender = "me@example.org";
	m.rcpts = r;
	m.nrcpt = 1;
	m.fd = fileno(f);
	m.len = n;
	ck_assert_msg(smtp_send(S, &m, rs, &ST) == 0, "%s", ST.text);
	finish();
	ck_assert_str_eq(P->err, "");
	ck_assert(P->tls_ok);
	/* Nothing but EHLO and STARTTLS in clear. */
	ck_assert_uint_lt(clear_len(), 64);
	ck_assert_ptr_null(memmem(P->log, clear_len(), "AUTH", 4));
	/* One CR per line end, a CRLF for the unterminated last line, ".". */
	ck_assert_uint_eq(P->datalen, n + (n - 1) / 70 + 2 + 3);
	fclose(f);
	free(text);
	cleanup();
}
END_TEST

/* 1 when a file whose path contains `part` is mapped in this process. */
static int mapped(const char *part)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;

	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, part) != NULL;
	fclose(f);
	return found;
}

START_TEST(auth_login)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS,
		{ "EHLO", "250-mail.test\r\n250 AUTH LOGIN\r\n", P_NONE, 0 },
		{ "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n", P_NONE, 0 },
		{ "dXNlcg==\r\n", "334 UGFzc3dvcmQ6\r\n", P_NONE, 0 },
		{ "cGFzcw==\r\n", "235 2.7.0 ok\r\n", P_NONE, 0 },
		QUIT, END
	};
	struct smtp_info info;

	conf_init();
	snprintf(C.user, sizeof(C.user), "user");
	ck_assert_msg(run(s, leaf, leaf_key, 0, "pass") == 0, "%s", ST.text);
	smtp_get_info(S, &info);
	ck_assert_str_eq(info.auth_mech, "LOGIN");
	finish();
	ck_assert_str_eq(P->err, "");
	/* The client loads its mechanisms, never the sasldb password store
	 * (and Berkeley DB with it): memory the runner does not need. */
	ck_assert(mapped("/liblogin.so"));
	ck_assert(!mapped("/libsasldb.so"));
	ck_assert(!mapped("/libdb-"));
	cleanup();
}
END_TEST

/* CRAM-MD5 (RFC 2195) is deterministic for a given challenge: the
 * expected answer is computed here with OpenSSL's HMAC-MD5.  Offered with
 * PLAIN, it must be preferred (our order, not the library's). */
START_TEST(auth_cram_md5)
{
	static const char chal[] = "<1896.697170952@mail.test>";
	unsigned char mac[16];
	unsigned maclen = 0, i;
	char ans[64], ans64[128], chal64[64], line[160];
	int n;
	struct peer_step s[] = {
		GREET, EHLO1, STLS,
		{ "EHLO", "250-mail.test\r\n250 AUTH PLAIN CRAM-MD5\r\n",
		    P_NONE, 0 },
		{ "AUTH CRAM-MD5\r\n", line, P_NONE, 0 },
		{ ans64, "235 2.7.0 ok\r\n", P_NONE, 0 },
		QUIT, END
	};
	struct smtp_info info;

	HMAC(EVP_md5(), "pass", 4, (const unsigned char *)chal, strlen(chal),
	    mac, &maclen);
	n = snprintf(ans, sizeof(ans), "user ");
	for (i = 0; i < maclen; i++)
		n += snprintf(ans + n, sizeof(ans) - (size_t)n, "%02x", mac[i]);
	n = EVP_EncodeBlock((unsigned char *)ans64, (const unsigned char *)ans,
	    n);
	memcpy(ans64 + n, "\r\n", 3);
	EVP_EncodeBlock((unsigned char *)chal64, (const unsigned char *)chal,
	    (int)strlen(chal));
	snprintf(line, sizeof(line), "334 %s\r\n", chal64);
	conf_init();
	snprintf(C.user, sizeof(C.user), "user");
	ck_assert_msg(run(s, leaf, leaf_key, 0, "pass") == 0, "%s", ST.text);
	smtp_get_info(S, &info);
	ck_assert_str_eq(info.auth_mech, "CRAM-MD5");
	finish();
	ck_assert_str_eq(P->err, "");
	ck_assert_ptr_null(strstr(P->log, "pass"));
	cleanup();
}
END_TEST

/* --- a real Cyrus SASL server in the peer (sasldb in the temp dir) --- */

static char sasldb[160];
static const char *srv_mech;

static int srv_getopt(void *ctx, const char *plugin, const char *option,
    const char **result, unsigned *len)
{
	(void)ctx;
	(void)plugin;
	if (strcmp(option, "sasldb_path") == 0)
		*result = sasldb;
	else if (strcmp(option, "pwcheck_method") == 0)
		*result = "auxprop";
	else if (strcmp(option, "auxprop_plugin") == 0)
		*result = "sasldb";
	else
		return SASL_FAIL;
	if (len)
		*len = (unsigned)strlen(*result);
	return SASL_OK;
}

static sasl_callback_t srv_cbs[] = {
	{ SASL_CB_GETOPT, (int (*)(void))(void (*)(void))srv_getopt, NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

/* Both sides of libsasl2 initialised here, in one thread, before any
 * session (its global state is not thread-safe); user/pass in sasldb. */
static void sasl_server_setup(void)
{
	sasl_conn_t *c = NULL;

	snprintf(sasldb, sizeof(sasldb), "%s/sasldb2", dir);
	ck_assert_int_eq(sasl_server_init(srv_cbs, "outpost-test"), SASL_OK);
	ck_assert_int_eq(sasl_client_init(NULL), SASL_OK);
	ck_assert_int_eq(sasl_server_new("smtp", "mail.test", NULL, NULL,
	    NULL, NULL, 0, &c), SASL_OK);
	ck_assert_int_eq(sasl_setpass(c, "user", "pass", 4, NULL, 0,
	    SASL_SET_CREATE), SASL_OK);
	sasl_dispose(&c);
}

static int chomp_b64(char *line, char *out, unsigned *outlen)
{
	size_t n = strcspn(line, "\r\n");

	line[n] = '\0';
	if (n == 1 && line[0] == '=') {
		*outlen = 0;
		return 1;
	}
	return sasl_decode64(line, (unsigned)n, out, 1024, outlen) == SASL_OK;
}

static void send_b64(struct peer *p, const char *data, unsigned n)
{
	char b64[2048], line[2100];
	unsigned bl = 0;

	sasl_encode64(data, n, b64, sizeof(b64), &bl);
	b64[bl] = '\0';
	snprintf(line, sizeof(line), "334 %s\r\n", b64);
	peer_send(p, line);
}

/* "AUTH MECH [ir]", then 334 rounds driven by the Cyrus server. */
static int sasl_hook(struct peer *p)
{
	char line[2048], in[1024], *ir;
	const char *out = NULL;
	unsigned inlen = 0, outlen = 0;
	sasl_conn_t *c = NULL;
	int rc;

	if (!peer_line(p, line, sizeof(line)) ||
	    sasl_server_new("smtp", "mail.test", NULL, NULL, NULL, NULL, 0,
	    &c) != SASL_OK)
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	ir = strchr(line + 5, ' ');
	if (ir)
		*ir++ = '\0';
	if (strncmp(line, "AUTH ", 5) != 0 || strcmp(line + 5, srv_mech) != 0 ||
	    (ir && !chomp_b64(ir, in, &inlen))) {
		snprintf(p->err, sizeof(p->err), "bad AUTH line");
		return 0;
	}
	rc = sasl_server_start(c, srv_mech, ir ? in : NULL, inlen, &out,
	    &outlen);
	while (rc == SASL_CONTINUE || (rc == SASL_OK && outlen > 0)) {
		send_b64(p, out, outlen);
		if (!peer_line(p, line, sizeof(line)) ||
		    !chomp_b64(line, in, &inlen))
			return 0;
		if (rc == SASL_OK)	/* client acknowledged server-final */
			break;
		out = NULL;
		outlen = 0;
		rc = sasl_server_step(c, in, inlen, &out, &outlen);
	}
	if (rc == SASL_OK) {
		peer_send(p, "235 2.7.0 ok\r\n");
	} else {
		snprintf(p->err, sizeof(p->err), "server: %s",
		    sasl_errdetail(c));
		peer_send(p, "535 5.7.8 no\r\n");
	}
	sasl_dispose(&c);
	return 1;
}

static const char *const mechs[] = {
	"SCRAM-SHA-256", "CRAM-MD5", "PLAIN", "LOGIN", "DIGEST-MD5",
};

START_TEST(auth_with_cyrus_server)
{
	char ehlo[128];
	struct peer_step s[] = {
		GREET, EHLO1, STLS,
		{ "EHLO", ehlo, P_NONE, 0 },
		{ NULL, NULL, P_HOOK, 0 },
		QUIT, END
	};
	struct smtp_info info;

	srv_mech = mechs[_i];
	peer_hook = sasl_hook;
	snprintf(ehlo, sizeof(ehlo), "250-mail.test\r\n250 AUTH %s\r\n",
	    srv_mech);
	sasl_server_setup();
	conf_init();
	snprintf(C.user, sizeof(C.user), "user");
	ck_assert_msg(run(s, leaf, leaf_key, 0, "pass") == 0, "%s: %s",
	    srv_mech, ST.text);
	smtp_get_info(S, &info);
	ck_assert_str_eq(info.auth_mech, srv_mech);
	finish();
	ck_assert_str_eq(P->err, "");
	cleanup();
}
END_TEST

START_TEST(auth_535)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS,
		{ "EHLO", "250-mail.test\r\n250 AUTH PLAIN\r\n", P_NONE, 0 },
		{ "AUTH PLAIN", "535 5.7.8 Authentication credentials "
		    "invalid\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init();
	snprintf(C.user, sizeof(C.user), "user");
	ck_assert_int_eq(run(s, leaf, leaf_key, 0, "wrong"), -1);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_AUTH);
	ck_assert_int_eq(ST.code, 535);
	ck_assert_str_eq(ST.text,
	    "535 5.7.8 Authentication credentials invalid");
	finish();
	ck_assert_ptr_null(strstr(P->log, "MAIL"));
	cleanup();
}
END_TEST

START_TEST(no_auth_after_tls)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n",
		    P_NONE, 0 },
		STLS,
		{ "EHLO", "250 mail.test\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init();
	snprintf(C.user, sizeof(C.user), "user");
	ck_assert_int_eq(run(s, leaf, leaf_key, 0, "pass"), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_AUTH);
	ck_assert_str_eq(ST.text, "server offers no AUTH after TLS; not "
	    "sending unauthenticated");
	finish();
	ck_assert_ptr_null(strstr(P->log, "AUTH"));
	ck_assert_ptr_null(strstr(P->log, "MAIL"));
	cleanup();
}
END_TEST

static const struct peer_step tls_then_ehlo[] = {
	GREET, EHLO1, STLS,
	{ "EHLO", "250 mail.test\r\n", P_NONE, 0 },
	QUIT, END
};

START_TEST(wrong_name)
{
	conf_init();
	snprintf(C.host, sizeof(C.host), "other.test");
	ck_assert_int_eq(run(tls_then_ehlo, leaf, leaf_key, 0, NULL), -1);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_TLS);
	ck_assert_msg(strstr(ST.text, "certificate verify failed: ") ==
	    ST.text, "%s", ST.text);
	ck_assert_ptr_nonnull(strstr(ST.text, "(name mismatch) for host "
	    "other.test"));
	ck_assert_ptr_nonnull(strstr(ST.text, "subject CN=mail.test"));
	ck_assert_ptr_nonnull(strstr(ST.text, "issuer CN=Test CA One"));
	finish();
	ck_assert_uint_eq(strlen(P->log), clear_len());
	cleanup();
}
END_TEST

START_TEST(untrusted_ca)
{
	conf_init();
	snprintf(C.tls_ca_file, sizeof(C.tls_ca_file), "%s", ca2_path);
	ck_assert_int_eq(run(tls_then_ehlo, leaf, leaf_key, 0, NULL), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_TLS);
	ck_assert_msg(strstr(ST.text, "certificate verify failed: unable to "
	    "get local issuer certificate (untrusted CA) for host mail.test")
	    == ST.text, "%s", ST.text);
	finish();
	ck_assert_uint_eq(strlen(P->log), clear_len());
	cleanup();
}
END_TEST

START_TEST(self_signed_without_pin)
{
	conf_init();
	ck_assert_int_eq(run(tls_then_ehlo, self, self_key, 0, NULL), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_TLS);
	ck_assert_ptr_nonnull(strstr(ST.text, "(untrusted CA)"));
	finish();
	cleanup();
}
END_TEST

START_TEST(missing_ca_file)
{
	conf_init();
	snprintf(C.tls_ca_file, sizeof(C.tls_ca_file), "%s/none.pem", dir);
	ck_assert_int_eq(run(tls_then_ehlo, leaf, leaf_key, 0, NULL), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_TLS);
	ck_assert_msg(strstr(ST.text, "cannot load tls_ca_file /tmp/") ==
	    ST.text, "%s", ST.text);
	finish();
	ck_assert_str_eq(P->log, "");	/* nothing was sent */
	cleanup();
}
END_TEST

START_TEST(tls11_only_server)
{
	conf_init();
	ck_assert_int_eq(run(tls_then_ehlo, leaf, leaf_key, 1, NULL), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_TLS);
	ck_assert_msg(strstr(ST.text, "TLS handshake with mail.test failed: ")
	    == ST.text, "%s", ST.text);
	ck_assert_msg(strstr(ST.text, "protocol version") != NULL, "%s",
	    ST.text);
	finish();
	cleanup();
}
END_TEST

static void pin_of(X509 *x, int spki, unsigned char *out)
{
	unsigned char *der = NULL;
	unsigned n = 0;
	int len;

	if (!spki) {
		X509_digest(x, EVP_sha256(), out, &n);
		return;
	}
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	EVP_Digest(der, (size_t)len, out, &n, EVP_sha256(), NULL);
	OPENSSL_free(der);
}

START_TEST(pin_accepts_self_signed)
{
	struct smtp_info info;
	char want[80];

	conf_init();
	pin_of(self, _i, C.tls_fingerprint[0]);
	C.npins = 1;
	ck_assert_msg(run(tls_then_ehlo, self, self_key, 0, NULL) == 0, "%s",
	    ST.text);
	smtp_get_info(S, &info);
	smtp_tls_pin_text(C.tls_fingerprint[0], want, sizeof(want));
	ck_assert_str_eq(_i ? info.spki_sha256 : info.cert_sha256, want);
	finish();
	ck_assert_str_eq(P->err, "");
	cleanup();
}
END_TEST

START_TEST(pin_refuses_ca_valid)
{
	conf_init();
	pin_of(self, 0, C.tls_fingerprint[0]);
	C.npins = 1;
	ck_assert_int_eq(run(tls_then_ehlo, leaf, leaf_key, 0, NULL), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_TLS);
	ck_assert_msg(strstr(ST.text, "certificate pin mismatch for host "
	    "mail.test: expected sha256:") == ST.text, "%s", ST.text);
	finish();
	ck_assert_uint_eq(strlen(P->log), clear_len());
	cleanup();
}
END_TEST

START_TEST(implicit_tls)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250 X-AFTER\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init();
	C.tls = CONF_TLS_IMPLICIT;
	ck_assert_msg(run(s, leaf, leaf_key, 0, NULL) == 0, "%s", ST.text);
	finish();
	ck_assert(P->tls_ok);
	ck_assert_str_eq(P->err, "");
	ck_assert_ptr_null(strstr(P->log, "STARTTLS"));
	cleanup();
}
END_TEST

START_TEST(ip_literal)
{
	conf_init();
	snprintf(C.host, sizeof(C.host), "127.0.0.1");
	ck_assert_msg(run(tls_then_ehlo, leaf, leaf_key, 0, NULL) == 0, "%s",
	    ST.text);
	finish();
	cleanup();
	conf_init();
	snprintf(C.host, sizeof(C.host), "127.0.0.2");
	ck_assert_int_eq(run(tls_then_ehlo, leaf, leaf_key, 0, NULL), -1);
	ck_assert_ptr_nonnull(strstr(ST.text, "(name mismatch)"));
	finish();
	cleanup();
	/* tls_server_name overrides the host for the check. */
	conf_init();
	snprintf(C.host, sizeof(C.host), "127.0.0.2");
	snprintf(C.tls_server_name, sizeof(C.tls_server_name), "mail.test");
	ck_assert_int_eq(run(tls_then_ehlo, leaf, leaf_key, 0, NULL), 0);
	finish();
	cleanup();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp_tls");
	TCase *tc = tcase_create("tls");
	SRunner *sr;
	int failed;

	fixtures();
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, verified_auth_plain_and_send);
	tcase_add_test(tc, auth_login);
	tcase_add_test(tc, auth_cram_md5);
	tcase_add_loop_test(tc, auth_with_cyrus_server, 0,
	    sizeof(mechs) / sizeof(mechs[0]));
	tcase_add_test(tc, auth_535);
	tcase_add_test(tc, no_auth_after_tls);
	tcase_add_test(tc, wrong_name);
	tcase_add_test(tc, untrusted_ca);
	tcase_add_test(tc, self_signed_without_pin);
	tcase_add_test(tc, missing_ca_file);
	tcase_add_test(tc, tls11_only_server);
	tcase_add_loop_test(tc, pin_accepts_self_signed, 0, 2);
	tcase_add_test(tc, pin_refuses_ca_valid);
	tcase_add_test(tc, implicit_tls);
	tcase_add_test(tc, ip_literal);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	fixtures_free();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
