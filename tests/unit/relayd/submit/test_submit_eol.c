/* Unit tests for line-ending normalisation (relayd/submit_eol.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/submit/submit_eol.h"
#include "tests/unit/check_main.h"

/* Normalise `in` fed in chunks of `chunk` bytes; result in out (NUL-ended
 * for comparison; returns the length). */
static size_t run(const char *in, size_t len, size_t chunk, char *out,
    struct submit_eol *st)
{
	size_t i, o = 0;

	submit_eol_init(st);
	for (i = 0; i < len; i += chunk) {
		size_t n = len - i < chunk ? len - i : chunk;

		o += submit_eol_feed(st, in + i, n, out + o);
	}
	o += submit_eol_finish(st, out + o);
	out[o] = '\0';
	return o;
}

START_TEST(crlf_and_bare_cr)
{
	static const char in[] = "a\r\nb\rc\n\r\n\r\rd\r\n";
	static const char want[] = "a\nb\nc\n\n\n\nd\n";
	char out[64];
	struct submit_eol st;
	size_t chunk;

	/* Every chunking gives the same bytes: a CRLF split across reads
	 * must still count as one line end. */
	for (chunk = 1; chunk <= sizeof(in); chunk++) {
		ck_assert_uint_eq(run(in, sizeof(in) - 1, chunk, out, &st),
		    sizeof(want) - 1);
		ck_assert_str_eq(out, want);
	}
	ck_assert_uint_eq(st.lineno, 8);
}
END_TEST

START_TEST(final_newline)
{
	char out[64];
	struct submit_eol st;

	run("no newline", 10, 4, out, &st);
	ck_assert_str_eq(out, "no newline\n");
	run("ends in cr\r", 11, 3, out, &st);
	ck_assert_str_eq(out, "ends in cr\n");
	ck_assert_uint_eq(run("", 0, 1, out, &st), 0);
	run("x\n", 2, 1, out, &st);
	ck_assert_str_eq(out, "x\n");
}
END_TEST

START_TEST(smuggling_shapes)
{
	/* "\n.\r\n" and "\r\n.\n" both end up as one LF convention; the
	 * SMTP client then dot-stuffs every line that starts with '.'. */
	static const char in[] = "a\n.\r\nb\r\n.\nc\r.\rd";
	char out[64];
	struct submit_eol st;

	run(in, sizeof(in) - 1, 2, out, &st);
	ck_assert_str_eq(out, "a\n.\nb\n.\nc\n.\nd\n");
	ck_assert_ptr_null(strchr(out, '\r'));
}
END_TEST

START_TEST(counters)
{
	char in[2100], out[2200];
	struct submit_eol st;
	size_t n;

	memset(in, 'x', 998);
	memcpy(in + 998, "\n", 1);
	run(in, 999, 100, out, &st);
	ck_assert_uint_eq(st.long_line, 0);	/* 998 is allowed */
	memcpy(in + 998, "y\r\n", 3);
	memset(in + 1001, 'z', 999);
	n = 2000;
	run(in, n, 7, out, &st);
	ck_assert_uint_eq(st.long_line, 1);	/* first long line wins */
	run("a\0b\xc3\xa9\n", 6, 1, out, &st);
	ck_assert_uint_eq(st.bytes_nul, 1);
	ck_assert_uint_eq(st.bytes_8bit, 2);
	ck_assert_int_eq(memcmp(out, "a\0b", 3), 0);	/* NUL kept */
	run("one\ntwo\nthree with a line over nothing\n", 38, 5, out, &st);
	ck_assert_uint_eq(st.long_line, 0);
}
END_TEST

/* A bare CR in the header is noted (the submit side refuses it), in the
 * body it stays a line end; NULs give their first line; every chunking. */
START_TEST(header_bare_cr_and_nul)
{
	static const char m1[] = "A: 1\r\nSubject: x\rBcc: e@x\r\n\r\nb\n";
	static const char m2[] = "A: 1\n\nbody\rmore\n";
	static const char m3[] = "A: 1\r\n\r\nx\n\0\n";
	char out[64];
	struct submit_eol st;
	size_t chunk;

	for (chunk = 1; chunk <= 8; chunk++) {
		run(m1, sizeof(m1) - 1, chunk, out, &st);
		ck_assert_uint_eq(st.hdr_bare_cr, 2);
		run(m2, sizeof(m2) - 1, chunk, out, &st);
		ck_assert_uint_eq(st.hdr_bare_cr, 0);
		ck_assert_uint_eq(st.first_nul, 0);
		run(m3, sizeof(m3) - 1, chunk, out, &st);
		ck_assert_uint_eq(st.first_nul, 4);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("submit_eol");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, crlf_and_bare_cr);
	tcase_add_test(tc, final_newline);
	tcase_add_test(tc, smuggling_shapes);
	tcase_add_test(tc, counters);
	tcase_add_test(tc, header_bare_cr_and_nul);
	suite_add_tcase(s, tc);
	return check_run(s);
}
