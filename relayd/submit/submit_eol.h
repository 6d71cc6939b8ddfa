/*
 * Line-ending normalisation of a message as it streams in: CRLF -> LF and
 * bare CR -> LF, so the spool holds one convention (the SMTP client writes
 * CRLF and dot-stuffs on the way out).  Also counts what the submit side
 * must know about the lines: longest line, 8-bit bytes, NUL bytes.  Pure.
 */
#ifndef OUTPOST_SUBMIT_EOL_H
#define OUTPOST_SUBMIT_EOL_H

#include <stddef.h>
#include <stdint.h>

#define SUBMIT_LINE_MAX 998	/* RFC 5322 2.1.1: octets per line, no CRLF */

struct submit_eol {
	int pending_cr;		/* a CR ended the last chunk */
	int at_bol;		/* last byte written was LF (or nothing yet) */
	uint64_t line_len;	/* octets in the current output line */
	uint64_t lineno;	/* 1-based number of the current line */
	uint64_t long_line;	/* first line over SUBMIT_LINE_MAX, 0 = none */
	uint64_t bytes_8bit;	/* bytes >= 0x80 seen */
	uint64_t bytes_nul;	/* NUL bytes seen */
	int in_body;		/* the empty line after the header was seen */
	uint64_t hdr_bare_cr;	/* first header line with a bare CR, 0 none */
	uint64_t first_nul;	/* first line with a NUL, 0 = none */
};

void submit_eol_init(struct submit_eol *st);
/* Normalise in[0..len) into out, which must hold len + 1 bytes (a CR held
 * back from the previous chunk may be emitted).  Returns bytes written. */
size_t submit_eol_feed(struct submit_eol *st, const char *in, size_t len,
    char *out);
/* End of input: emit a held-back CR as LF, and end an unterminated last
 * line with LF so every spooled message ends with a newline.  out must
 * hold 1 byte.  Returns bytes written (0 or 1). */
size_t submit_eol_finish(struct submit_eol *st, char *out);

#endif
