/* libFuzzer target: smtp_oauth_challenge(), the decoder of a server's
 * OAuth error challenge, over arbitrary bytes and output sizes.  What it
 * gives back must fit, end in NUL and hold no control byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/smtp/smtp_oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[SMTP_OAUTH_ERR_MAX];
	/* The first byte picks the output size, so short buffers (where the
	 * text is cut) are covered too. */
	size_t outlen = size > 0 ? 1 + data[0] % sizeof(out) : sizeof(out), n, i;

	if (size > 0) {
		data++;
		size--;
	}
	memset(out, 'x', sizeof(out));
	(void)smtp_oauth_challenge((const char *)data, size, out, outlen);
	n = strnlen(out, outlen);
	if (n >= outlen)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	return 0;
}
