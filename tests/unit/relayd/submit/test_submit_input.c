/* Unit tests for reading a submission (relayd/submit_input.c): header
 * collection across chunks, the 1 MB header bound, body streaming. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/submit/submit_input.h"
#include "tests/unit/check_main.h"

static struct op_err e;

/* A file descriptor reading `len` bytes of `data`. */
static int fd_with(const char *data, size_t len)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	ck_assert_int_ge(fd, 0);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Drain the body; returns its total normalised length. */
static size_t drain(struct submit_input *in, char *copy, size_t cap)
{
	const char *p;
	size_t n, total = 0;

	for (;;) {
		ck_assert_int_eq(submit_input_next(in, &p, &n, &e), 0);
		if (n == 0)
			return total;
		if (copy != NULL && total + n <= cap)
			memcpy(copy + total, p, n);
		total += n;
	}
}

START_TEST(big_header_across_chunks)
{
	size_t hlen = 200000, i;
	char *msg = malloc(hlen + 64), body[64];
	struct submit_input *in;
	struct submit_split sp;
	int fd;

	/* 200 KB of folded header: more than three read chunks */
	memcpy(msg, "X-Long: a\r\n", 11);
	for (i = 11; i + 8 < hlen; i += 8)
		memcpy(msg + i, " bbbbb\r\n", 8);
	memcpy(msg + i, "\r\nbody\r\n", 8);
	fd = fd_with(msg, i + 8);
	in = submit_input_new(fd);
	ck_assert_int_eq(submit_input_headers(in, &sp, &e), 0);
	ck_assert_int_eq(sp.blank, 1);
	ck_assert_uint_eq(sp.end, 11 - 1 + (i - 11) / 8 * 7);
	/* the body may already be in the header buffer, or still to come */
	ck_assert_uint_le(sp.body, in->hdrlen);
	memcpy(body, in->hdr + sp.body, in->hdrlen - sp.body);
	drain(in, body + (in->hdrlen - sp.body), 32);
	ck_assert_int_eq(memcmp(body, "body\n", 5), 0);
	submit_input_free(in);
	close(fd);
	free(msg);
}
END_TEST

START_TEST(header_bound)
{
	size_t len = SUBMIT_HDR_MAX + 100000, i;
	char *msg = malloc(len);
	struct submit_input *in;
	struct submit_split sp;
	int fd;

	for (i = 0; i + 10 <= len; i += 10)
		memcpy(msg + i, "X-A: 1234\n", 10);
	fd = fd_with(msg, i);
	in = submit_input_new(fd);
	ck_assert_int_eq(submit_input_headers(in, &sp, &e), -1);
	ck_assert_int_eq(e.st, OP_DATA);
	ck_assert_ptr_nonnull(strstr(e.msg, "header section"));
	/* memory stayed near the bound, not the input size */
	ck_assert_uint_le(in->hdrcap, 2 * SUBMIT_HDR_MAX + 2 * SUBMIT_CHUNK);
	submit_input_free(in);
	close(fd);
	free(msg);
}
END_TEST

START_TEST(streamed_body)
{
	size_t n = 1000000, total;
	char *msg = malloc(n);
	struct submit_input *in;
	struct submit_split sp;
	int fd;

	memcpy(msg, "Subject: s\r\n\r\n", 14);
	memset(msg + 14, 'q', n - 14);
	for (total = 14 + 70; total < n; total += 71)
		msg[total] = '\r';	/* bare CRs: one line end each */
	fd = fd_with(msg, n);
	in = submit_input_new(fd);
	ck_assert_int_eq(submit_input_headers(in, &sp, &e), 0);
	total = in->hdrlen - sp.body + drain(in, NULL, 0);
	/* same length (CR -> LF) plus the final newline */
	ck_assert_uint_eq(sp.body + total, n - 2 + 1);
	ck_assert_uint_eq(in->eol.long_line, 0);
	submit_input_free(in);
	close(fd);
	free(msg);
}
END_TEST

START_TEST(empty_input)
{
	struct submit_input *in;
	struct submit_split sp;
	int fd = fd_with("", 0);

	in = submit_input_new(fd);
	ck_assert_int_eq(submit_input_headers(in, &sp, &e), 0);
	ck_assert_uint_eq(sp.end, 0);
	ck_assert_uint_eq(drain(in, NULL, 0), 0);
	submit_input_free(in);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("submit_input");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, big_header_across_chunks);
	tcase_add_test(tc, header_bound);
	tcase_add_test(tc, streamed_body);
	tcase_add_test(tc, empty_input);
	suite_add_tcase(s, tc);
	return check_run(s);
}
