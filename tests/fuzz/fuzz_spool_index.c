/* libFuzzer target: the mailq index reader (spool_index_next) over
 * arbitrary bytes.  Every record it accepts lies inside the input, and
 * the envelope parser takes its header like any other (never past it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct spool_index_rec r;
	struct envelope env;
	struct op_err e;
	size_t at = 0, used, mlen = sizeof(SPOOL_INDEX_MAGIC) - 1;
	int k;

	if (size >= mlen && memcmp(buf, SPOOL_INDEX_MAGIC, mlen) == 0)
		at = mlen;
	while ((k = spool_index_next(buf, size, &at, &r)) == 1) {
		if (at > size || r.hdr < buf || r.hdrlen > size ||
		    r.hdr + r.hdrlen > buf + at || r.id < buf ||
		    r.id + SPOOL_QID_LEN > r.hdr)
			abort();
		envelope_init(&env);
		if (envelope_parse(r.hdr, r.hdrlen, &env, &used, &e) == 0 &&
		    used > r.hdrlen)
			abort();
		envelope_free(&env);
	}
	if (k != 0 && k != -1)
		abort();
	return 0;
}
