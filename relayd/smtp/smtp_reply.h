/*
 * Strict, bounded parser for SMTP server replies over a byte buffer.  Pure:
 * no I/O, no allocation, no global state (fuzzable).  It never trusts the
 * peer: every line, every reply and the joined text have hard limits.
 */
#ifndef OUTPOST_SMTP_REPLY_H
#define OUTPOST_SMTP_REPLY_H

#include <stddef.h>

#define SMTP_REPLY_LINE_MAX	512	/* one line, code and CRLF included */
#define SMTP_REPLY_LINES_MAX	100	/* lines in one multi-line reply */
#define SMTP_REPLY_TEXT_MAX	1024	/* joined printable text (truncated) */
/* Largest raw reply that can be complete: a reader buffer of this size
 * always holds a whole valid reply. */
#define SMTP_REPLY_RAW_MAX	(SMTP_REPLY_LINE_MAX * SMTP_REPLY_LINES_MAX)

enum smtp_reply_res {
	SMTP_REPLY_ERROR = -1,	/* malformed: the session must be dropped */
	SMTP_REPLY_MORE = 0,	/* valid so far, incomplete: read more */
	SMTP_REPLY_DONE = 1	/* one complete reply in buf[0, r->consumed) */
};

struct smtp_reply {
	int code;			/* 200..599 */
	size_t nlines;
	size_t consumed;		/* raw bytes of this reply */
	/* Text of every line after "NNN " / "NNN-", made printable and joined
	 * with " / "; truncated with "..." when longer. */
	char text[SMTP_REPLY_TEXT_MAX];
	char err[128];			/* why, when SMTP_REPLY_ERROR */
};

/*
 * Parse the first reply in buf[0, len).  Rules (docs/SMTP.md):
 *  - a line ends in CRLF; a bare LF is tolerated as a line end, a CR not
 *    followed by LF and any NUL byte are errors;
 *  - a line is at most SMTP_REPLY_LINE_MAX bytes with its line end; a longer
 *    one is an error even before its end arrives;
 *  - "NNN" then ' ' (last line), '-' (more lines follow) or the line end
 *    (last line, no text); NNN is [2-5][0-9][0-9], the same on every line;
 *  - at most SMTP_REPLY_LINES_MAX lines;
 *  - bytes after the last line are left alone (r->consumed says where the
 *    reply ends; the caller decides whether extra bytes are allowed).
 * An empty buffer or a final line without its line end is SMTP_REPLY_MORE.
 */
enum smtp_reply_res smtp_reply_parse(const char *buf, size_t len,
    struct smtp_reply *r);

/*
 * Iterate over the lines of a reply that smtp_reply_parse() accepted
 * (buf[0, r->consumed)): *pos starts at 0; each call gives the raw text of
 * one line after the code and separator (not NUL-terminated, line end
 * removed).  Returns 1 per line, 0 at the end.  Used for EHLO keywords and
 * SASL challenges, which need the raw bytes.
 */
int smtp_reply_line(const char *buf, size_t consumed, size_t *pos,
    const char **text, size_t *textlen);

/* 2xx, 3xx, 4xx, 5xx: the first digit of the code. */
int smtp_reply_class(int code);

#endif
