/*
 * smtp_7bit(): 8-bit text made 7-bit for a server without 8BITMIME.  The
 * result is 7-bit, its lines are short, its Content-Transfer-Encoding is
 * quoted-printable and the text decodes back to the original bytes; what
 * cannot be re-encoded is refused with a reason.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/smtp/smtp_session.h"
#include "tests/unit/check_main.h"

static char why[256];

/* The result lands in the caller's *out (returning a local that
 * smtp_7bit wrote through confuses gcc's -Wdangling-pointer at -O3). */
static void conv(const char *in, char **out, size_t *outlen)
{
	*out = NULL;
	ck_assert_msg(smtp_7bit(in, strlen(in), 1 << 20, out, outlen, why,
	    sizeof(why)) == 0, "%s", why);
}

static int refused(const char *in)
{
	char *out = (char *)1;
	size_t n = 1;
	int rc = smtp_7bit(in, strlen(in), 1 << 20, &out, &n, why,
	    sizeof(why));

	ck_assert(rc < 0 || out != NULL);
	free(rc == 0 ? out : NULL);
	return rc < 0 && out == NULL && why[0] != '\0';
}

/* Every byte 7-bit, every line at most 76 characters. */
static void assert_7bit(const char *s, size_t n)
{
	size_t i, col = 0;

	for (i = 0; i < n; i++) {
		ck_assert_msg((unsigned char)s[i] < 0x80, "8-bit at %zu", i);
		col = s[i] == '\n' ? 0 : col + 1;
		ck_assert_msg(col <= 998, "line too long at %zu", i);
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

/* Decode quoted-printable s[0, n) (LF line ends) into out. */
static size_t qp_decode(const char *s, size_t n, char *out)
{
	size_t i, o = 0, col = 0;

	for (i = 0; i < n; i++) {
		col = s[i] == '\n' ? 0 : col + 1;
		ck_assert_uint_le(col, 76);
		if (s[i] != '=') {
			out[o++] = s[i];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\n') {	/* soft break */
			i++;
			col = 0;
			continue;
		}
		ck_assert(i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0);
		out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
		i += 2;
	}
	return o;
}

static const char body1[] =
    "Gr\xc3\xbc\xc3\x9f" "e, caf\xc3\xa9 = 100%\n"
    "trailing space \n"
    "tab\tin the middle and at the end\t\n"
    ".a leading dot\n"
    "a long line \xe2\x80\x94 " "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 end\n"
    "bare\rCR and =3D literal\n";

START_TEST(single_text_part)
{
	char msg[2048], dec[2048];
	const char *b;
	size_t n, d, at;
	char *out;

	snprintf(msg, sizeof(msg), "From: a@example.org\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "Subject: hi\n\n%s", body1);
	conv(msg, &out, &n);
	assert_7bit(out, n);
	b = strstr(out, "\n\n");
	ck_assert_ptr_nonnull(b);
	at = (size_t)(b - out) + 2;
	ck_assert(strstr(out, "Content-Transfer-Encoding: quoted-printable\n")
	    != NULL);
	ck_assert(strstr(out, "8bit") == NULL);		/* replaced */
	ck_assert(strstr(out, "Subject: hi\n") != NULL);
	d = qp_decode(out + at, n - at, dec);
	ck_assert_uint_eq(d, strlen(body1));
	ck_assert(memcmp(dec, body1, d) == 0);
	free(out);
}
END_TEST

/* No Content-Type: text/plain; CRLF line ends are kept as line ends. */
START_TEST(default_type_and_crlf)
{
	static const char msg[] = "Subject: x\r\n\r\nna\xc3\xafve\r\nok\r\n";
	size_t n;
	char *out;

	conv(msg, &out, &n);
	ck_assert_str_eq(out, "Subject: x\r\nContent-Transfer-Encoding: "
	    "quoted-printable\n\r\nna=C3=AFve\nok\n");
	free(out);
}
END_TEST

/* Only the 8-bit leaf changes; the 7-bit leaf, the base64 leaf, the
 * delimiters and the outer header (now 7bit) keep their bytes. */
START_TEST(multipart_leaves)
{
	static const char msg[] =
	    "Content-Type: multipart/mixed; boundary=\"=-b 1\"\n"
	    "Content-Transfer-Encoding: 8bit\n\n"
	    "preamble\n"
	    "--=-b 1\n"
	    "Content-Type: text/plain\n\n"
	    "plain ascii\n"
	    "--=-b 1\n"
	    "Content-Type: text/x-diff; charset=utf-8\n"
	    "Content-Transfer-Encoding:\n 8bit\n\n"
	    "+\xc3\xa9t\xc3\xa9\n"
	    "--=-b 1\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "AAEC\n"
	    "--=-b 1--\n"
	    "epilogue\n";
	static const char want[] =
	    "Content-Type: multipart/mixed; boundary=\"=-b 1\"\n"
	    "Content-Transfer-Encoding: 7bit\n\n"
	    "preamble\n"
	    "--=-b 1\n"
	    "Content-Type: text/plain\n\n"
	    "plain ascii\n"
	    "--=-b 1\n"
	    "Content-Type: text/x-diff; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "+=C3=A9t=C3=A9\n"
	    "--=-b 1\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "AAEC\n"
	    "--=-b 1--\n"
	    "epilogue\n";
	size_t n;
	char *out;

	conv(msg, &out, &n);
	ck_assert_str_eq(out, want);
	free(out);
}
END_TEST

START_TEST(refusals)
{
	ck_assert(refused("Subject: caf\xc3\xa9\n\nbody \xc3\xa9\n"));
	ck_assert(strstr(why, "8-bit headers") != NULL);
	ck_assert(refused("Content-Type: message/rfc822\n\n"
	    "Subject: x\n\n\xc3\xa9\n"));
	ck_assert(strstr(why, "message/rfc822") != NULL);
	ck_assert(refused("Content-Transfer-Encoding: base64\n\n\xc3\xa9\n"));
	ck_assert(refused("Content-Type: multipart/mixed\n\n\xc3\xa9\n"));
	ck_assert(refused("Content-Type: multipart/mixed; boundary=b\n\n"
	    "pre \xc3\xa9\n--b\n\nx\n--b--\n"));
	ck_assert(refused("Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nSubject: \xc3\xa9\n\nx\n--b--\n"));
}
END_TEST

/* Hostile shapes: deep nesting is bounded, an output cap is kept, a
 * message without 8-bit bytes comes back unchanged. */
START_TEST(bounds)
{
	char *deep = malloc(100000), *out = NULL;
	size_t o = 0, n;
	int i;

	ck_assert_ptr_nonnull(deep);
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(deep + o, 100000 - o, "Content-Type: "
		    "multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	snprintf(deep + o, 100000 - o, "\n\xc3\xa9\n");
	ck_assert(refused(deep));
	ck_assert(strstr(why, "nesting") != NULL);
	ck_assert_int_eq(smtp_7bit("\n\xff\xff\xff\xff", 5, 8, &out, &n, why,
	    sizeof(why)), -1);
	ck_assert_ptr_null(out);
	conv("Subject: plain\n\nascii only\n", &out, &n);
	ck_assert_str_eq(out, "Subject: plain\n\nascii only\n");
	free(out);
	free(deep);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp_7bit");
	TCase *tc = tcase_create("7bit");

	tcase_add_test(tc, single_text_part);
	tcase_add_test(tc, default_type_and_crlf);
	tcase_add_test(tc, multipart_leaves);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, bounds);
	suite_add_tcase(s, tc);
	return check_run(s);
}
