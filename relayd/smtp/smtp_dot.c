/*
 * smtp_dot_*: the message text in DATA wire form.  Pure, chunk by chunk.
 * Every bare LF, bare CR and CRLF becomes CRLF and a leading '.' is doubled,
 * so no input can make the server see an end of data we did not write
 * (SMTP smuggling); the text always ends in CRLF before the final ".".
 * The BDAT form (stuff = 0) is the same line ends without dot-stuffing.
 */
#include <string.h>

#include "relayd/smtp/smtp_session.h"

void smtp_dot_init(struct smtp_dot *d)
{
	d->stuff = 1;
	d->bol = 1;
	d->cr = 0;
}

static size_t eol(struct smtp_dot *d, char *out)
{
	out[0] = '\r';
	out[1] = '\n';
	d->bol = 1;
	return 2;
}

size_t smtp_dot_encode(struct smtp_dot *d, const char *in, size_t inlen,
    char *out)
{
	size_t i, o = 0;

	for (i = 0; i < inlen; i++) {
		char c = in[i];

		if (d->cr) {
			/* The CR ends a line whatever follows; a following
			 * LF belongs to it (CRLF), anything else does not. */
			d->cr = 0;
			o += eol(d, out + o);
			if (c == '\n')
				continue;
		}
		if (c == '\r') {
			d->cr = 1;
			continue;
		}
		if (c == '\n') {
			o += eol(d, out + o);
			continue;
		}
		if (d->bol && c == '.' && d->stuff)
			out[o++] = '.';	/* RFC 5321 4.5.2 transparency */
		out[o++] = c;
		d->bol = 0;
	}
	return o;
}

size_t smtp_dot_end(struct smtp_dot *d, char *out)
{
	size_t o = 0;

	if (d->cr) {
		d->cr = 0;
		o += eol(d, out + o);
	}
	if (!d->bol)
		o += eol(d, out + o);
	return o;
}

size_t smtp_dot_finish(struct smtp_dot *d, char *out)
{
	size_t o = smtp_dot_end(d, out);

	memcpy(out + o, ".\r\n", 3);
	return o + 3;
}
