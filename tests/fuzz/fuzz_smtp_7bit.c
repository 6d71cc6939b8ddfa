/* libFuzzer target: smtp_7bit(), 8-bit text re-encoded for a server
 * without 8BITMIME, over arbitrary bytes.  What it returns must be 7-bit
 * (no byte >= 0x80) and within the size cap it was given. */
#include <stdint.h>
#include <stdlib.h>

#include "relayd/smtp/smtp_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max = 4 * size + 65536, n = 0, i;
	char *out = NULL, why[256];

	if (smtp_7bit((const char *)data, size, max, &out, &n, why,
	    sizeof(why)) == 0) {
		if (n >= max || out[n] != '\0')
			abort();
		for (i = 0; i < n; i++)
			if ((unsigned char)out[i] >= 0x80)
				abort();
		free(out);
	} else if (out != NULL || why[0] == '\0') {
		abort();
	}
	return 0;
}
