/*
 * The OAuth initial responses byte for byte (RFC 7628 examples' shape),
 * escaping of the authzid, a 3 KB token, and hostile values refused.
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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
