/* Unit tests for util/sha256: the FIPS 180-4 / NIST example vectors, the
 * padding boundaries (55, 56, 63, 64 bytes) against one-shot hashing, and
 * streaming in odd pieces giving the same digest as one call. */
#include <check.h>
#include <string.h>

#include "tests/unit/check_main.h"
#include "util/sha256.h"

static void hex_of(const void *p, size_t len, char out[65])
{
	struct sha256 s;
	unsigned char d[32];

	sha256_init(&s);
	sha256_update(&s, p, len);
	sha256_final(&s, d);
	sha256_hex(d, 32, out);
}

START_TEST(nist_vectors)
{
	char h[65];
	static char million[1000000];

	hex_of("", 0, h);
	ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    h);
	ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', sizeof(million));
	hex_of(million, sizeof(million), h);
	ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(streaming_equals_one_shot)
{
	static const size_t lens[] = { 1, 55, 56, 57, 63, 64, 65, 127, 128,
	    1000 };
	unsigned char buf[1000], d[32];
	char one[65], many[65];
	struct sha256 s;
	size_t i, off, step;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hex_of(buf, lens[i], one);
		for (step = 1; step < 70; step += 13) {
			sha256_init(&s);
			for (off = 0; off < lens[i]; off += step)
				sha256_update(&s, buf + off, lens[i] - off < step
				    ? lens[i] - off : step);
			sha256_final(&s, d);
			sha256_hex(d, 32, many);
			ck_assert_str_eq(one, many);
		}
	}
	/* A prefix in hex is the start of the full hex form. */
	sha256_hex(d, 8, many);
	ck_assert_uint_eq(strlen(many), 16);
	ck_assert_int_eq(strncmp(one, many, 16), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("sha256");

	tcase_add_test(tc, nist_vectors);
	tcase_add_test(tc, streaming_equals_one_shot);
	suite_add_tcase(s, tc);
	return check_run(s);
}
