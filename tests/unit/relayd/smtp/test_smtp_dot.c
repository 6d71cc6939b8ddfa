/* Unit tests for smtp_dot_*: CRLF normalisation and dot-stuffing, whole
 * and split at every byte (state must carry across chunks). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/smtp/smtp_session.h"
#include "tests/unit/check_main.h"

struct vec {
	const char *in, *out;
};

static const struct vec vecs[] = {
	{ "a\nb\n", "a\r\nb\r\n.\r\n" },
	{ "a\n.\nb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\r\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\rb\r", "a\r\nb\r\n.\r\n" },
	{ ".\n", "..\r\n.\r\n" },
	{ ".", "..\r\n.\r\n" },
	{ "..x\n", "...x\r\n.\r\n" },
	{ "no newline", "no newline\r\n.\r\n" },
	{ "", ".\r\n" },
	{ "x\r\r\n.\r\r\n", "x\r\n\r\n..\r\n\r\n.\r\n" },
	{ "\r.\r", "\r\n..\r\n.\r\n" },
	{ "a\r\n\r\n.\r\n", "a\r\n\r\n..\r\n.\r\n" },
	{ "x.y\n.", "x.y\r\n..\r\n.\r\n" },
};

static size_t encode(const char *in, size_t len, size_t split, char *out)
{
	struct smtp_dot d;
	size_t o;

	smtp_dot_init(&d);
	o = smtp_dot_encode(&d, in, split, out);
	o += smtp_dot_encode(&d, in + split, len - split, out + o);
	o += smtp_dot_finish(&d, out + o);
	return o;
}

START_TEST(vectors)
{
	const struct vec *v = &vecs[_i];
	size_t len = strlen(v->in), split;
	char out[256];

	for (split = 0; split <= len; split++) {
		size_t o = encode(v->in, len, split, out);

		out[o] = '\0';
		ck_assert_msg(strcmp(out, v->out) == 0,
		    "vector %d split %zu: got [%s]", _i, split, out);
		ck_assert_uint_le(o, 2 * len + 2 + 7);
	}
}
END_TEST

/* Random bytes from {a, '.', CR, LF}: the output has only CRLF line ends,
 * no line that is a lone ".", and exactly one terminator, at the end. */
START_TEST(no_smuggling)
{
	static const char alpha[] = "a.\r\n";
	unsigned seed = 12345;
	int round;

	for (round = 0; round < 2000; round++) {
		char in[64], out[256];
		size_t len = (size_t)(rand_r(&seed) % 40), i, o;
		char *t;

		for (i = 0; i < len; i++)
			in[i] = alpha[rand_r(&seed) % 4];
		o = encode(in, len, len / 2, out);
		out[o] = '\0';
		for (i = 0; i < o; i++) {
			if (out[i] == '\r')
				ck_assert(out[i + 1] == '\n');
			if (out[i] == '\n')
				ck_assert(i > 0 && out[i - 1] == '\r');
		}
		t = strstr(out, "\r\n.\r\n");
		if (o == 3)
			ck_assert_str_eq(out, ".\r\n");
		else {
			ck_assert(t != NULL && (size_t)(t - out) + 5 == o);
			ck_assert(strncmp(out, ".\r\n", 3) != 0);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp_dot");
	TCase *tc = tcase_create("dot");

	tcase_add_loop_test(tc, vectors, 0, sizeof(vecs) / sizeof(vecs[0]));
	tcase_add_test(tc, no_smuggling);
	suite_add_tcase(s, tc);
	return check_run(s);
}
