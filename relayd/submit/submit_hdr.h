/*
 * The header section of a submitted message, already normalised to LF:
 * where it ends, its fields (a field = its first line plus continuation
 * lines), lookup by name and unfolded values.  Pure, bounded, no libetpan
 * (addresses inside values are parsed by submit_extract).
 */
#ifndef OUTPOST_SUBMIT_HDR_H
#define OUTPOST_SUBMIT_HDR_H

#include <stddef.h>

#include "util/status.h"

#define SUBMIT_HDR_MAX	(1024 * 1024)	/* largest header section accepted */
#define SUBMIT_FIELDS_MAX 10000		/* fields in one header section */

/* Where the header section ends in buf[0..len). */
struct submit_split {
	size_t start;		/* first header byte (after an mbox "From " line) */
	size_t end;		/* end of the last field */
	size_t body;		/* first body byte */
	int blank;		/* 1: an empty line separated them; 0: the first
				   non-field line started the body (we must
				   insert the empty line when writing) */
};

/* 1 = found, 0 = need more input (not at EOF yet).  At EOF (eof != 0) the
 * whole buffer is headers when no end was seen (returns 1, body = len). */
int submit_hdr_split(const char *buf, size_t len, int eof,
    struct submit_split *sp);

struct submit_field {
	size_t off, len;	/* raw bytes, all lines, trailing LF included */
	size_t name_len;	/* the name alone (no white space, no colon) */
	int drop;		/* 1: left out when the header is written */
};

struct submit_hdrs {
	const char *buf;	/* not owned */
	struct submit_field *f;	/* malloc'd */
	size_t n;
};

/* Split buf[0..len) (a header section as located by submit_hdr_split) into
 * fields.  -1 on allocation failure or too many fields. */
int submit_hdr_parse(const char *buf, size_t len, struct submit_hdrs *h,
    struct op_err *e);
void submit_hdr_free(struct submit_hdrs *h);

/* Index of the first field named `name` (case-insensitive) at or after
 * `from`, or -1. */
long submit_hdr_find(const struct submit_hdrs *h, const char *name,
    size_t from);
/* Unfolded value of field i: continuation line breaks removed, leading and
 * trailing white space trimmed.  malloc'd, NUL-terminated; *len is its
 * length (it may contain NUL bytes from the input).  NULL on ENOMEM. */
char *submit_hdr_value(const struct submit_hdrs *h, size_t i, size_t *len);

#endif
