/* Unit tests for util/: checked parsing, printable(), json_quote(). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/harden.h"
#include "util/parse.h"
#include "util/printable.h"
#include "util/status.h"
#include "tests/unit/check_main.h"

#define S(x) x, strlen(x)

START_TEST(uint_bounds)
{
	uint64_t v;

	ck_assert_int_eq(parse_uint(S("0"), 0, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_uint(S("10"), 0, 10, &v), 0);
	ck_assert_int_eq(parse_uint(S("11"), 0, 10, &v), -1);
	ck_assert_int_eq(parse_uint(S(""), 0, 10, &v), -1);
	ck_assert_int_eq(parse_uint(S("1a"), 0, 10, &v), -1);
	ck_assert_int_eq(parse_uint(S("-1"), 0, 10, &v), -1);
	ck_assert_int_eq(parse_uint(S(" 1"), 0, 10, &v), -1);
	ck_assert_int_eq(parse_uint(S("18446744073709551615"), 0, UINT64_MAX, &v), 0);
	ck_assert_int_eq(parse_uint(S("18446744073709551616"), 0, UINT64_MAX, &v), -1);
	ck_assert_int_eq(parse_uint(S("99999999999999999999"), 0, UINT64_MAX, &v), -1);
}
END_TEST

START_TEST(int_signs)
{
	int64_t v;

	ck_assert_int_eq(parse_int(S("-5"), -10, 10, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(parse_int(S("-9223372036854775808"), INT64_MIN, 0, &v), 0);
	ck_assert_int_eq(v, INT64_MIN);
	ck_assert_int_eq(parse_int(S("9223372036854775808"), 0, INT64_MAX, &v), -1);
	ck_assert_int_eq(parse_int(S("-"), -10, 10, &v), -1);
}
END_TEST

START_TEST(durations_sizes)
{
	uint64_t v;

	ck_assert_int_eq(parse_duration(S("30s"), &v), 0);
	ck_assert_uint_eq(v, 30);
	ck_assert_int_eq(parse_duration(S("5m"), &v), 0);
	ck_assert_uint_eq(v, 300);
	ck_assert_int_eq(parse_duration(S("4h"), &v), 0);
	ck_assert_uint_eq(v, 14400);
	ck_assert_int_eq(parse_duration(S("5d"), &v), 0);
	ck_assert_uint_eq(v, 432000);
	ck_assert_int_eq(parse_duration(S("45"), &v), 0);
	ck_assert_uint_eq(v, 45);
	ck_assert_int_eq(parse_duration(S("5x"), &v), -1);
	ck_assert_int_eq(parse_duration(S("m"), &v), -1);
	ck_assert_int_eq(parse_duration(S("99999999999999d"), &v), -1);
	ck_assert_int_eq(parse_size(S("10k"), &v), 0);
	ck_assert_uint_eq(v, 10240);
	ck_assert_int_eq(parse_size(S("2M"), &v), 0);
	ck_assert_uint_eq(v, 2097152);
	ck_assert_int_eq(parse_size(S("2T"), &v), -1);
}
END_TEST

START_TEST(hex)
{
	unsigned char b[4];

	ck_assert_int_eq(parse_hex(S("deadBEEF"), b, 4), 0);
	ck_assert_uint_eq(b[0], 0xde);
	ck_assert_uint_eq(b[3], 0xef);
	ck_assert_int_eq(parse_hex(S("de:ad:be:ef"), b, 4), 0);
	ck_assert_int_eq(parse_hex(S("deadbe"), b, 4), -1);
	ck_assert_int_eq(parse_hex(S("deadbeef00"), b, 4), -1);
	ck_assert_int_eq(parse_hex(S("deadbeeg"), b, 4), -1);
}
END_TEST

START_TEST(printable_hostile)
{
	char out[64];
	const char evil[] = "Subj\x1b[2J\r\nX-Injected: 1\x00tail\xff\xc3\xa9";

	printable(out, sizeof(out), evil, sizeof(evil) - 1);
	ck_assert_ptr_null(strchr(out, '\x1b'));
	ck_assert_ptr_null(strchr(out, '\r'));
	ck_assert_ptr_null(strchr(out, '\n'));
	ck_assert_str_eq(out, "Subj?[2J??X-Injected: 1?tail?\xc3\xa9");
	printable(out, 5, "abcdefgh", 8);
	ck_assert_str_eq(out, "abcd");
	/* a multi-byte character is never cut in half */
	printable(out, 3, "a\xc3\xa9", 3);
	ck_assert_str_eq(out, "a");
}
END_TEST

START_TEST(json_escape)
{
	char out[64];

	ck_assert_int_ge(json_quote(out, sizeof(out), "a\"b\\c\n\x1b", 7), 0);
	ck_assert_str_eq(out, "\"a\\\"b\\\\c\\u000a\\u001b\"");
	ck_assert_int_ge(json_quote(out, sizeof(out), "\xff", 1), 0);
	ck_assert_str_eq(out, "\"\\ufffd\"");
	ck_assert_int_eq(json_quote(out, 4, "abcdef", 6), -1);
}
END_TEST

START_TEST(exit_codes)
{
	ck_assert_int_eq(op_exitcode(OP_OK), 0);
	ck_assert_int_eq(op_exitcode(OP_USAGE), EX_USAGE);
	ck_assert_int_eq(op_exitcode(OP_DATA), EX_DATAERR);
	ck_assert_int_eq(op_exitcode(OP_TEMP), EX_TEMPFAIL);
	ck_assert_int_eq(op_exitcode(OP_CONFIG), EX_CONFIG);
}
END_TEST

/* In a child (the flags are for the life of the process): core dumps off,
 * not dumpable, even when the limit was raised before. */
START_TEST(no_core_dumps)
{
	struct rlimit rl;
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (getrlimit(RLIMIT_CORE, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_CORE, &rl);
		}
		if (harden_no_dumps(NULL) < 0 ||
		    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0 ||
		    getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 0 ||
		    rl.rlim_max != 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, uint_bounds);
	tcase_add_test(tc, int_signs);
	tcase_add_test(tc, durations_sizes);
	tcase_add_test(tc, hex);
	tcase_add_test(tc, printable_hostile);
	tcase_add_test(tc, json_escape);
	tcase_add_test(tc, exit_codes);
	tcase_add_test(tc, no_core_dumps);
	suite_add_tcase(s, tc);
	return check_run(s);
}
