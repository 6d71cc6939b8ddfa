/*
 * The OAuth initial responses byte for byte (RFC 7628 examples' shape),
 * escaping of the authzid, a 3 KB token, and hostile values refused; the
 * server's error challenge decoded strictly, bounded and made printable.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/smtp/smtp_oauth.h"

START_TEST(xoauth2_exact)
{
	char out[256];
	size_t n = 0;
	static const char want[] = "user=me@example.org\001auth=Bearer "
	    "ya29.tok\001\001";

	ck_assert_int_eq(smtp_oauth_xoauth2("me@example.org", "ya29.tok", out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert_int_eq(memcmp(out, want, n), 0);
}
END_TEST

START_TEST(bearer_exact)
{
	char out[256];
	size_t n = 0;
	static const char want[] = "n,a=a=2Cb=3Dc@x.org,\001host=smtp.x.org"
	    "\001port=587\001auth=Bearer T0k\001\001";

	ck_assert_int_eq(smtp_oauth_bearer("a,b=c@x.org", "smtp.x.org", 587,
	    "T0k", out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert_int_eq(memcmp(out, want, n), 0);
}
END_TEST

START_TEST(long_token)
{
	char tok[3073], out[4096];
	size_t n = 0;

	memset(tok, 'A', sizeof(tok) - 1);
	tok[sizeof(tok) - 1] = '\0';
	ck_assert_int_eq(smtp_oauth_xoauth2("u", tok, out, sizeof(out), &n),
	    0);
	ck_assert_uint_eq(n, 5 + 1 + 1 + 12 + 3072 + 2);
	/* Too small a buffer: refused, never cut. */
	ck_assert_int_eq(smtp_oauth_xoauth2("u", tok, out, 3000, &n), -1);
	ck_assert_int_eq(smtp_oauth_bearer("u", "h", 1, tok, out, 3000, &n),
	    -1);
}
END_TEST

START_TEST(hostile_refused)
{
	char out[256];
	size_t n = 0;

	ck_assert_int_eq(smtp_oauth_xoauth2("u\001auth=Bearer x", "t", out,
	    sizeof(out), &n), -1);
	ck_assert_int_eq(smtp_oauth_xoauth2("u", "t\r\nQUIT", out,
	    sizeof(out), &n), -1);
	ck_assert_int_eq(smtp_oauth_bearer("u", "h\001port=1", 25, "t", out,
	    sizeof(out), &n), -1);
	ck_assert_int_eq(smtp_oauth_bearer("u", "h", 25, "t\x7f", out,
	    sizeof(out), &n), -1);
}
END_TEST

/* Base64 of the challenge an RFC 7628 server sends for a bad token. */
START_TEST(challenge_json)
{
	char out[SMTP_OAUTH_ERR_MAX];
	static const char b64[] = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGU"
	    "iOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==";

	ck_assert_int_eq(smtp_oauth_challenge(b64, strlen(b64), out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "{\"status\":\"invalid_token\",\"scope\":"
	    "\"https://mail.google.com/\"}");
	/* Unpadded is accepted; empty is an empty text. */
	ck_assert_int_eq(smtp_oauth_challenge("e30", 3, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "{}");
	ck_assert_int_eq(smtp_oauth_challenge("", 0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(challenge_bad_base64)
{
	static const char *const bad[] = {
		"e30*", "e3 0", "e30=e30=", "=e30", "Q", "QQ=", "QR==", "Q===",
		"e30\r\n", "e30\x01", "\xc3\xa9\xc3\xa9",
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'x', sizeof(out));
		ck_assert_msg(smtp_oauth_challenge(bad[i], strlen(bad[i]), out,
		    sizeof(out)) == -1, "accepted %s", bad[i]);
		ck_assert_str_eq(out, "(not base64)");
	}
}
END_TEST

/* Control bytes, ESC sequences, NUL and invalid UTF-8 never come out. */
START_TEST(challenge_nonprintable)
{
	/* "\x1b[2J{\r\n\"a\":\x00\xff\x07}" in base64 */
	static const char b64[] = "G1sySnsNCiJhIjoA/wd9";
	char out[64];
	size_t i;

	ck_assert_int_eq(smtp_oauth_challenge(b64, strlen(b64), out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "?[2J{??\"a\":???}");
	for (i = 0; out[i] != '\0'; i++)
		ck_assert((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
}
END_TEST

/* 100 KB of base64: decoded only as far as kept, cut with "...". */
START_TEST(challenge_huge)
{
	size_t len = 100000, i;
	char *b64 = malloc(len), out[SMTP_OAUTH_ERR_MAX], small[8];

	ck_assert_ptr_nonnull(b64);
	for (i = 0; i < len; i++)
		b64[i] = "QUJD"[i % 4];		/* "ABC" repeated */
	ck_assert_int_eq(smtp_oauth_challenge(b64, len, out, sizeof(out)), 0);
	ck_assert_uint_eq(strlen(out), sizeof(out) - 1);
	ck_assert_str_eq(out + sizeof(out) - 4, "...");
	ck_assert_int_eq(strncmp(out, "ABCABC", 6), 0);
	ck_assert_int_eq(smtp_oauth_challenge(b64, len, small, sizeof(small)),
	    0);
	ck_assert_str_eq(small, "ABCA...");
	/* One bad byte at the very end still spoils the whole. */
	b64[len - 1] = '!';
	ck_assert_int_eq(smtp_oauth_challenge(b64, len, out, sizeof(out)), -1);
	free(b64);
}
END_TEST

/* A cut never splits a UTF-8 character. */
START_TEST(challenge_cut_utf8)
{
	/* "ab\xc3\xa9\xc3\xa9\xc3\xa9" (ab + three e-acute) */
	static const char b64[] = "YWLDqcOpw6k=";
	char out[8];

	ck_assert_int_eq(smtp_oauth_challenge(b64, strlen(b64), out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "ab\xc3\xa9...");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp_oauth");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, xoauth2_exact);
	tcase_add_test(tc, bearer_exact);
	tcase_add_test(tc, long_token);
	tcase_add_test(tc, hostile_refused);
	tcase_add_test(tc, challenge_json);
	tcase_add_test(tc, challenge_bad_base64);
	tcase_add_test(tc, challenge_nonprintable);
	tcase_add_test(tc, challenge_huge);
	tcase_add_test(tc, challenge_cut_utf8);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
