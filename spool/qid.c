/*
 * Queue ids: generated, validated and turned into file names here and
 * nowhere else.  An id is 20 lowercase hex digits: 14 of microseconds since
 * the epoch (so name order is submission order) and 6 of getrandom() bytes.
 * Never builds a path from anything qid_ok() has not accepted.
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int qid_ok(const char *id)
{
	size_t i;

	if (id == NULL)
		return 0;
	/* Walk at most one byte past the end: no strlen() on hostile input. */
	for (i = 0; i < SPOOL_QID_LEN; i++) {
		char c = id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return id[SPOOL_QID_LEN] == '\0';
}

static int qid_random(unsigned char r[3])
{
	size_t got = 0;

	while (got < 3) {
		ssize_t n = getrandom(r + got, 3 - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

int qid_new(char out[SPOOL_QID_LEN + 1])
{
	struct timespec ts;
	unsigned char r[3];
	uint64_t us;
	int n;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || ts.tv_sec < 0)
		return -1;
	if (qid_random(r) < 0)
		return -1;
	us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	/* 14 hex digits hold 2^56 us, about 2284 years from 1970. */
	us &= (UINT64_C(1) << 56) - 1;
	n = snprintf(out, SPOOL_QID_LEN + 1, "%014llx%02x%02x%02x",
	    (unsigned long long)us, r[0], r[1], r[2]);
	if (n != SPOOL_QID_LEN) {
		errno = EOVERFLOW;
		return -1;
	}
	return 0;
}

int spool_name(char out[SPOOL_NAME_MAX], const char *id, const char *suffix)
{
	int n;

	/* The only place a queue id becomes a file name: validate first,
	 * and treat truncation as an error rather than a shorter name. */
	if (!qid_ok(id)) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(out, SPOOL_NAME_MAX, "%s%s", id, suffix);
	if (n < 0 || n >= SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
