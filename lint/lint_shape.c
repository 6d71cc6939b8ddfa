/*
 * The shape check that keeps the MIME parse bounded: libetpan builds a tree
 * whose size grows with the number of parts and with the bytes of every
 * header it reads (top level, part headers, attached messages), about 15
 * times their size.  One cheap pass over the lines estimates both from
 * above; a message beyond the caps is not given to libetpan at all.
 */
#include "lint/lint_int.h"

#include <string.h>

struct shape {
	size_t delims;			/* lines that may be MIME delimiters */
	size_t hdr_bytes;		/* bytes in header-like blocks */
	size_t boundaries;		/* "boundary" parameters seen */
	int in_hdr;			/* inside a header block */
	int after_hdr;			/* the line before ended a header block */
};

/* "Name:" at the start: a header field as RFC 5322 spells its name. */
static int field_like(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && i < 77 && s[i] > ' ' && s[i] < 127 && s[i] != ':')
		i++;
	return i > 0 && i < n && s[i] == ':';
}

/* "--x..." but not a diff's "--- a/file" or a signature's "-- ". */
static int delim_like(const char *s, size_t n)
{
	return n >= 3 && s[0] == '-' && s[1] == '-' && s[2] != ' ' &&
	    !(n >= 4 && s[2] == '-' && s[3] == ' ');
}

static int has_boundary(const char *s, size_t n)
{
	return lint_str_ifind(s, n, "boundary") != NULL;
}

static void one_line(struct shape *sh, const char *s, size_t n)
{
	int blank = n == 0 || (n == 1 && s[0] == '\r');

	if (sh->in_hdr) {
		if (blank) {
			sh->in_hdr = 0;
			sh->after_hdr = 1;
			return;
		}
		sh->hdr_bytes += n + 1;
		sh->boundaries += has_boundary(s, n);
		return;
	}
	if (delim_like(s, n)) {
		sh->delims++;
		sh->in_hdr = 1;		/* a part header may follow */
	} else if (sh->after_hdr && field_like(s, n)) {
		sh->in_hdr = 1;		/* an attached message's header */
		sh->hdr_bytes += n + 1;
		sh->boundaries += has_boundary(s, n);
	}
	sh->after_hdr = 0;
}

int lint_shape_parsable(const char *s, size_t len)
{
	struct shape sh = { 0, 0, 0, 1, 0 };
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (s + i)) : len - i;

		one_line(&sh, s + i, n);
		if (sh.delims > LINT_MAX_DELIMS ||
		    sh.hdr_bytes > LINT_MAX_HDR_BYTES ||
		    sh.boundaries > LINT_MAX_BOUNDARIES)
			return 0;
		i += n + 1;
	}
	return 1;
}
