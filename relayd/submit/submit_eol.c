/*
 * CRLF / bare CR -> LF, one byte at a time with one byte of state, so chunk
 * boundaries (a CRLF split across two read()s) change nothing.  NUL bytes and
 * bare CRs in the header are kept / converted but noted: refusing them is
 * the submit side's call, not the normaliser's.
 */
#include "relayd/submit/submit_eol.h"

#include <string.h>

void submit_eol_init(struct submit_eol *st)
{
	memset(st, 0, sizeof(*st));
	st->at_bol = 1;
	st->lineno = 1;
}

static void count_byte(struct submit_eol *st, unsigned char ch)
{
	if (ch == '\n') {
		if (st->line_len == 0)
			st->in_body = 1;	/* the empty line after the header */
		st->at_bol = 1;
		st->line_len = 0;
		st->lineno++;
		return;
	}
	st->at_bol = 0;
	if (++st->line_len == SUBMIT_LINE_MAX + 1 && st->long_line == 0)
		st->long_line = st->lineno;
	if (ch >= 0x80)
		st->bytes_8bit++;
	else if (ch == '\0' && st->bytes_nul++ == 0)
		st->first_nul = st->lineno;
}

static size_t put(struct submit_eol *st, char *out, size_t o, char ch)
{
	out[o] = ch;
	count_byte(st, (unsigned char)ch);
	return o + 1;
}

size_t submit_eol_feed(struct submit_eol *st, const char *in, size_t len,
    char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char ch = in[i];

		if (st->pending_cr) {
			/* CR then anything: the CR was a line end; a following
			 * LF belongs to it (CRLF), anything else starts anew. */
			st->pending_cr = 0;
			if (ch != '\n' && !st->in_body && st->hdr_bare_cr == 0)
				st->hdr_bare_cr = st->lineno;
			o = put(st, out, o, '\n');
			if (ch == '\n')
				continue;
		}
		if (ch == '\r')
			st->pending_cr = 1;
		else
			o = put(st, out, o, ch);
	}
	return o;
}

size_t submit_eol_finish(struct submit_eol *st, char *out)
{
	if (st->pending_cr || !st->at_bol) {
		st->pending_cr = 0;
		return put(st, out, 0, '\n');
	}
	return 0;
}
