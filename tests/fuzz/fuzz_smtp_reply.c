/* libFuzzer target: smtp_reply_parse() and smtp_reply_line() over
 * arbitrary server bytes, reply after reply, as the session reads them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/smtp/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_lines(const char *buf, const struct smtp_reply *r)
{
	const char *text;
	size_t pos = 0, textlen, n = 0;

	while (smtp_reply_line(buf, r->consumed, &pos, &text, &textlen) == 1) {
		if (text < buf || text + textlen > buf + r->consumed)
			abort();
		if (++n > r->nlines)
			abort();
	}
	if (n != r->nlines)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct smtp_reply r;
	size_t off = 0;
	int i;

	for (i = 0; i < SMTP_REPLY_LINES_MAX * 2 && off < size; i++) {
		enum smtp_reply_res res = smtp_reply_parse(buf + off,
		    size - off, &r);

		if (res != SMTP_REPLY_DONE)
			break;
		if (r.consumed == 0 || r.consumed > size - off ||
		    r.code < 200 || r.code > 599 || r.nlines == 0 ||
		    r.nlines > SMTP_REPLY_LINES_MAX ||
		    memchr(r.text, '\0', sizeof(r.text)) == NULL)
			abort();
		walk_lines(buf + off, &r);
		off += r.consumed;
	}
	return 0;
}
