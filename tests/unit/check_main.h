/*
 * The one main() body every Check test program shares: run the suite,
 * exit non-zero when any test failed.
 */
#ifndef OUTPOST_CHECK_MAIN_H
#define OUTPOST_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
