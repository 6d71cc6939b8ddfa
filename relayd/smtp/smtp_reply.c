/*
 * smtp_reply_*: strict bounded parsing of SMTP replies from a byte buffer.
 * It never reads past `len`, never allocates, and never guesses: a reply
 * that breaks a rule is an error and the caller drops the session.
 */
#include "relayd/smtp/smtp_reply.h"

#include <stdio.h>
#include <string.h>


#include "util/printable.h"

/* Where the line starting at buf[0] ends: *eol = index of the line end
 * (CR of CRLF, or a bare LF), *next = first byte after it.  Returns 1 when
 * complete, 0 when more bytes are needed, -1 on a bad byte or overlong. */
static int line_end(const char *buf, size_t len, size_t *eol, size_t *next,
    const char **why)
{
	size_t i;

	for (i = 0; i < len && i < SMTP_REPLY_LINE_MAX; i++) {
		if (buf[i] == '\0') {
			*why = "NUL byte in reply";
			return -1;
		}
		if (buf[i] == '\n') {
			*eol = i;
			*next = i + 1;
			return 1;
		}
		if (buf[i] != '\r')
			continue;
		if (i + 2 > SMTP_REPLY_LINE_MAX) {
			*why = "reply line longer than 512 bytes";
			return -1;
		}
		if (i + 1 == len)
			break;		/* CR at the end: LF may follow */
		if (buf[i + 1] != '\n') {
			*why = "CR not followed by LF in reply";
			return -1;
		}
		*eol = i;
		*next = i + 2;
		return 1;
	}
	if (i >= SMTP_REPLY_LINE_MAX) {
		*why = "reply line longer than 512 bytes";
		return -1;
	}
	return 0;
}

/* "NNN" with NNN in [2-5][0-9][0-9]; returns the code or -1. */
static int line_code(const char *s, size_t eol)
{
	if (eol < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9')
		return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* Append printable text to r->text, " / " between lines.  When it does
 * not fit, the text is cut to end in "..." and exactly fills the buffer
 * (strlen == SMTP_REPLY_TEXT_MAX - 1), which also marks it as full. */
static void text_add(struct smtp_reply *r, const char *s, size_t n)
{
	size_t have = strlen(r->text), len, keep;
	char piece[SMTP_REPLY_LINE_MAX + 4];

	if (have >= SMTP_REPLY_TEXT_MAX - 1)
		return;			/* already cut */
	len = (size_t)snprintf(piece, sizeof(piece), "%s",
	    r->nlines > 1 && have > 0 ? " / " : "");
	printable(piece + len, sizeof(piece) - len, s, n);
	len = strlen(piece);
	if (have + len <= SMTP_REPLY_TEXT_MAX - 2) {
		memcpy(r->text + have, piece, len + 1);
		return;
	}
	if (have > SMTP_REPLY_TEXT_MAX - 4)
		have = SMTP_REPLY_TEXT_MAX - 4;
	keep = SMTP_REPLY_TEXT_MAX - 4 - have;
	memcpy(r->text + have, piece, keep);
	memcpy(r->text + have + keep, "...", 4);
}

static enum smtp_reply_res fail(struct smtp_reply *r, const char *why)
{
	snprintf(r->err, sizeof(r->err), "malformed reply: %s", why);
	r->code = 0;
	return SMTP_REPLY_ERROR;
}

/* Check one complete line buf[0, eol); *last set when it ends the reply. */
static enum smtp_reply_res one_line(struct smtp_reply *r, const char *s,
    size_t eol, int *last)
{
	int code = line_code(s, eol);

	if (code < 0)
		return fail(r, "code is not [2-5][0-9][0-9]");
	if (r->nlines > 0 && code != r->code)
		return fail(r, "different codes in one multi-line reply");
	if (eol > 3 && s[3] != ' ' && s[3] != '-')
		return fail(r, "code not followed by ' ' or '-'");
	if (++r->nlines > SMTP_REPLY_LINES_MAX)
		return fail(r, "more than 100 lines in one reply");
	r->code = code;
	*last = eol == 3 || s[3] == ' ';
	text_add(r, s + (eol > 3 ? 4 : 3), eol > 3 ? eol - 4 : 0);
	return SMTP_REPLY_DONE;
}

enum smtp_reply_res smtp_reply_parse(const char *buf, size_t len,
    struct smtp_reply *r)
{
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	for (;;) {
		size_t eol = 0, next = 0;
		const char *why = NULL;
		int last = 0, e = line_end(buf + pos, len - pos, &eol, &next,
		    &why);

		if (e < 0)
			return fail(r, why);
		if (e == 0) {
			/* An incomplete line that cannot start a valid one is
			 * refused now rather than after more reading. */
			if (len - pos >= 1 && (buf[pos] < '2' || buf[pos] > '5'))
				return fail(r, "code is not [2-5][0-9][0-9]");
			if (r->nlines >= SMTP_REPLY_LINES_MAX)
				return fail(r, "more than 100 lines in one reply");
			r->code = 0;
			return SMTP_REPLY_MORE;
		}
		if (one_line(r, buf + pos, eol, &last) == SMTP_REPLY_ERROR)
			return SMTP_REPLY_ERROR;
		pos += next;
		if (last) {
			r->consumed = pos;
			return SMTP_REPLY_DONE;
		}
	}
}

int smtp_reply_line(const char *buf, size_t consumed, size_t *pos,
    const char **text, size_t *textlen)
{
	size_t eol = 0, next = 0;
	const char *why = NULL;

	if (*pos >= consumed)
		return 0;
	if (line_end(buf + *pos, consumed - *pos, &eol, &next, &why) != 1 ||
	    eol < 3)
		return 0;	/* cannot happen on an accepted reply */
	*text = buf + *pos + (eol > 3 ? 4 : 3);
	*textlen = eol > 3 ? eol - 4 : 0;
	*pos += next;
	return 1;
}

int smtp_reply_class(int code)
{
	return code / 100;
}
