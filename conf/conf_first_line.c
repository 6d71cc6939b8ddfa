/*
 * The first line of a secret (password file or password_command output):
 * a leaf used by both readers, so neither has to call the other for it.
 * Never logs what it reads.
 */
#include "conf/conf_int.h"

#include <string.h>

/* Bytes before the first LF (and a CR just before it) into out. */
int conf_first_line(const char *buf, size_t n, char *out,
    size_t outlen)
{
	const char *nl = memchr(buf, '\n', n);
	size_t len = nl != NULL ? (size_t)(nl - buf) : n;

	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0 || len >= outlen || memchr(buf, '\0', len) != NULL)
		return -1;
	memcpy(out, buf, len);
	out[len] = '\0';
	return 0;
}
