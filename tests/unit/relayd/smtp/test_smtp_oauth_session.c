/*
 * AUTH XOAUTH2 / OAUTHBEARER in a session, against the scripted TLS peer:
 * exact AUTH lines, the error challenge answered as each mechanism wants
 * (an empty line, "AQ=="), hostile challenges (escape bytes, not base64,
 * a second 334), the reason text, no common mechanism, a token with a
 * control byte never sent.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/smtp/smtp_session.h"
#include "test_smtp_peer.h"
#include "test_smtp_pki.h"

static EVP_PKEY *ca_key, *leaf_key;
static X509 *ca, *leaf;
static char dir[64], ca_path[128];

static struct conf C;
static struct peer *P;
static struct smtp_session *S;
static struct smtp_status ST;
static SSL_CTX *SC;

#define TOKEN	"ya29.T0k"
#define XOAUTH2_IR	"dXNlcj1tZUB4Lm9yZwFhdXRoPUJlYXJlciB5YTI5LlQwawEB"
#define BEARER_IR	"bixhPW1lQHgub3JnLAFob3N0PW1haWwudGVzdAFwb3J0PTU4NwFh" \
	"dXRoPUJlYXJlciB5YTI5LlQwawEB"
/* {"status":"invalid_token","x":"ESC[2J BEL"} */
#define JSON_B64	"eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwieCI6IhtbMkoHIn0="

#define GREET	{ NULL, "220 mail.test ESMTP\r\n", P_NONE, 0 }
#define EHLO1	{ "EHLO", "250-mail.test\r\n250 STARTTLS\r\n", P_NONE, 0 }
#define STLS	{ "STARTTLS\r\n", "220 2.0.0 ready\r\n", P_TLS, 0 }
#define EHLO2	{ "EHLO", "250-mail.test\r\n250 AUTH XOAUTH2 OAUTHBEARER\r\n", \
	P_NONE, 0 }
#define QUIT	{ "QUIT", "221 bye\r\n", P_NONE, 0 }
#define END	{ NULL, NULL, P_NONE, 0 }
#define REFUSED	"535 5.7.8 Username and Password not accepted\r\n"

static void conf_init(const char *mechs)
{
	memset(&C, 0, sizeof(C));
	snprintf(C.host, sizeof(C.host), "mail.test");
	snprintf(C.from, sizeof(C.from), "me@x.org");
	snprintf(C.user, sizeof(C.user), "me@x.org");
	snprintf(C.tls_ca_file, sizeof(C.tls_ca_file), "%s", ca_path);
	snprintf(C.auth_mechanisms, sizeof(C.auth_mechanisms), "%s", mechs);
	C.port = 587;
	C.tls = CONF_TLS_STARTTLS;
	C.command_timeout = 5;
}

static int run(const struct peer_step *steps, const char *token)
{
	int fd;

	signal(SIGPIPE, SIG_IGN);
	SC = server_ctx(leaf, leaf_key, 0);
	P = peer_start(steps, SC, 0, &fd);
	return smtp_open_fd(&C, token, fd, &S, &ST);
}

static void finish(void)
{
	smtp_close(S);
	S = NULL;
	peer_join(P);
	ck_assert_str_eq(P->err, "");
}

static void cleanup(void)
{
	peer_free(P);
	SSL_CTX_free(SC);
}

START_TEST(xoauth2_accepted)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS, EHLO2,
		{ "AUTH XOAUTH2 " XOAUTH2_IR "\r\n", "235 2.7.0 ok\r\n",
		    P_NONE, 0 },
		QUIT, END
	};
	struct smtp_info info;

	conf_init("XOAUTH2");
	ck_assert_msg(run(s, TOKEN) == 0, "%s", ST.text);
	smtp_get_info(S, &info);
	ck_assert_str_eq(info.auth_mech, "XOAUTH2");
	finish();
	cleanup();
}
END_TEST

/* OAUTHBEARER listed first but not offered: the next name is used. */
START_TEST(oauthbearer_accepted)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS, EHLO2,
		{ "AUTH OAUTHBEARER " BEARER_IR "\r\n", "235 2.7.0 ok\r\n",
		    P_NONE, 0 },
		QUIT, END
	};

	conf_init("SCRAM-SHA-256 OAUTHBEARER XOAUTH2");
	ck_assert_msg(run(s, TOKEN) == 0, "%s", ST.text);
	finish();
	cleanup();
}
END_TEST

/* The error challenge: an empty line for XOAUTH2, then the 535; the JSON
 * shows in the reason with its escape bytes made '?'. */
START_TEST(xoauth2_error_challenge)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS, EHLO2,
		{ "AUTH XOAUTH2 ", "334 " JSON_B64 "\r\n", P_NONE, 0 },
		{ "\r\n", REFUSED, P_NONE, 0 },
		QUIT, END
	};

	conf_init("XOAUTH2");
	ck_assert_int_eq(run(s, TOKEN), -1);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_AUTH);
	ck_assert_int_eq(ST.code, 535);
	ck_assert_int_eq(ST.advised, 1);
	ck_assert_str_eq(ST.text, "token refused by server: 535 5.7.8 "
	    "Username and Password not accepted; server error: "
	    "{\"status\":\"invalid_token\",\"x\":\"?[2J?\"}; check that your "
	    "OAuth helper (password_command) prints a fresh access token for "
	    "me@x.org");
	ck_assert_ptr_null(strstr(ST.text, TOKEN));
	finish();
	ck_assert_ptr_null(strstr(P->log, "MAIL"));
	cleanup();
}
END_TEST

/* RFC 7628 3.2.3: OAUTHBEARER answers the challenge with 0x01. */
START_TEST(oauthbearer_error_challenge)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS, EHLO2,
		{ "AUTH OAUTHBEARER ", "334 " JSON_B64 "\r\n", P_NONE, 0 },
		{ "AQ==\r\n", REFUSED, P_NONE, 0 },
		QUIT, END
	};

	conf_init("OAUTHBEARER");
	ck_assert_int_eq(run(s, TOKEN), -1);
	ck_assert_int_eq(ST.code, 535);
	ck_assert_ptr_nonnull(strstr(ST.text, "invalid_token"));
	finish();
	cleanup();
}
END_TEST

/* A challenge that is not base64, then a second 334: the first is still
 * acknowledged, the second cancelled with "*"; the reason says so. */
START_TEST(hostile_challenges)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS, EHLO2,
		{ "AUTH XOAUTH2 ", "334 {not base64}\r\n", P_NONE, 0 },
		{ "\r\n", "334 " JSON_B64 "\r\n", P_NONE, 0 },
		{ "*\r\n", "501 5.7.0 cancelled\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init("XOAUTH2");
	ck_assert_int_eq(run(s, TOKEN), -1);
	ck_assert_int_eq(ST.code, 501);
	ck_assert_ptr_nonnull(strstr(ST.text, "token refused by server: 501"));
	ck_assert_ptr_nonnull(strstr(ST.text, "server error: (not base64)"));
	finish();
	cleanup();
}
END_TEST

/* A plain 535 without challenge: the reason still points at the helper. */
START_TEST(refused_without_challenge)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS, EHLO2,
		{ "AUTH XOAUTH2 ", "535 5.7.3 Authentication unsuccessful\r\n",
		    P_NONE, 0 },
		QUIT, END
	};

	conf_init("XOAUTH2");
	ck_assert_int_eq(run(s, TOKEN), -1);
	ck_assert_str_eq(ST.text, "token refused by server: 535 5.7.3 "
	    "Authentication unsuccessful; check that your OAuth helper "
	    "(password_command) prints a fresh access token for me@x.org");
	finish();
	cleanup();
}
END_TEST

START_TEST(not_offered_names_both_lists)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS,
		{ "EHLO", "250-mail.test\r\n250 AUTH PLAIN LOGIN\r\n", P_NONE,
		    0 },
		QUIT, END
	};

	conf_init("XOAUTH2");
	ck_assert_int_eq(run(s, TOKEN), -1);
	ck_assert_int_eq(ST.advised, 1);
	ck_assert_str_eq(ST.text, "no AUTH mechanism in common: the server "
	    "offers PLAIN LOGIN; we use XOAUTH2 (auth / auth_mechanisms); set "
	    "auth or auth_mechanisms to one the server offers");
	finish();
	ck_assert_ptr_null(strstr(P->log, "AUTH"));
	cleanup();
}
END_TEST

/* A token that would forge fields or commands never leaves. */
START_TEST(control_byte_in_token)
{
	static const struct peer_step s[] = {
		GREET, EHLO1, STLS, EHLO2, QUIT, END
	};

	conf_init("XOAUTH2");
	ck_assert_int_eq(run(s, "tok\r\nMAIL FROM:<x@y>"), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_AUTH);
	ck_assert_ptr_nonnull(strstr(ST.text, "control byte"));
	finish();
	ck_assert_ptr_null(strstr(P->log, "AUTH"));
	ck_assert_ptr_null(strstr(P->log, "MAIL"));
	cleanup();
}
END_TEST

/* The longest reply and error a server can send: the reason still ends
 * with the advice and fits a spool reason with "AUTH: " in front. */
START_TEST(long_reason_keeps_advice)
{
	static char chal[600], refuse[600];
	static struct peer_step s[] = {
		GREET, EHLO1, STLS, EHLO2,
		{ "AUTH XOAUTH2 ", chal, P_NONE, 0 },
		{ "\r\n", refuse, P_NONE, 0 },
		QUIT, END
	};
	unsigned char json[360];
	size_t n;

	memset(json, 'j', sizeof(json));
	memcpy(chal, "334 ", 4);
	n = (size_t)EVP_EncodeBlock((unsigned char *)chal + 4, json,
	    (int)sizeof(json));
	memcpy(chal + 4 + n, "\r\n", 3);
	memset(refuse, 'r', 505);
	memcpy(refuse, "535 ", 4);
	memcpy(refuse + 505, "\r\n", 3);
	conf_init("XOAUTH2");
	memset(C.user, 'u', 200);
	memcpy(C.user + 200, "@x.org", 7);
	/* The expected AUTH line is not checked here (prefix only). */
	ck_assert_int_eq(run(s, TOKEN), -1);
	n = strlen(ST.text);
	ck_assert_uint_lt(n + strlen("AUTH: "), 1023);
	ck_assert_ptr_nonnull(strstr(ST.text, "; check that your OAuth helper "
	    "(password_command) prints a fresh access token for uuuu"));
	ck_assert_ptr_nonnull(strstr(ST.text, "jjjjjjjj"));
	finish();
	cleanup();
}
END_TEST

static void fixtures(void)
{
	snprintf(dir, sizeof(dir), "/tmp/outpost-smtp-oauth-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	ca_key = EVP_EC_gen("P-256");
	leaf_key = EVP_EC_gen("P-256");
	ca = cert_new(ca_key, "Test CA", NULL, NULL, NULL);
	leaf = cert_new(leaf_key, "mail.test", ca, ca_key, "DNS:mail.test");
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
	write_pem(ca_path, ca);
}

int main(void)
{
	Suite *s = suite_create("smtp_oauth_session");
	TCase *tc = tcase_create("oauth");
	SRunner *sr;
	int failed;

	fixtures();
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, xoauth2_accepted);
	tcase_add_test(tc, oauthbearer_accepted);
	tcase_add_test(tc, xoauth2_error_challenge);
	tcase_add_test(tc, oauthbearer_error_challenge);
	tcase_add_test(tc, hostile_challenges);
	tcase_add_test(tc, refused_without_challenge);
	tcase_add_test(tc, not_offered_names_both_lists);
	tcase_add_test(tc, control_byte_in_token);
	tcase_add_test(tc, long_reason_keeps_advice);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	unlink(ca_path);
	rmdir(dir);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
