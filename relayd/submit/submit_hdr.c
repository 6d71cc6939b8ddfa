/*
 * Header section scanning.  A field line is "name:" with a name of printable
 * ASCII other than ':'; a line starting with a space or tab continues the
 * previous field.  The first line that is neither ends the header section
 * (an empty line, or the first body line of a message sent without one).
 * Never modifies the buffer; the rewrite lives in submit_rewrite.c.
 */
#include "relayd/submit/submit_hdr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Length of the field name at p (printable ASCII up to ':' or white
 * space), or 0 when the line is not "name *WSP :".  White space before the
 * colon is RFC 5322 obsolete syntax that MUAs still produce; refusing it
 * would end the header section there and carry a "Bcc :" into the body. */
static size_t field_name_len(const char *p, size_t n)
{
	size_t i, name;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ':' || is_wsp((char)c))
			break;
		if (c < 0x21 || c > 0x7e)
			return 0;
	}
	name = i;
	while (i < n && is_wsp(p[i]))
		i++;
	return name > 0 && i < n && p[i] == ':' ? name : 0;
}

static int is_field_line(const char *p, size_t n)
{
	return field_name_len(p, n) > 0;
}

/* End of the line starting at pos (index of its LF, or len). */
static size_t line_end(const char *buf, size_t len, size_t pos)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);

	return nl != NULL ? (size_t)(nl - buf) : len;
}

/* A leading mbox "From " line is not a header: skip it, as sendmail does. */
static int skip_mbox_from(const char *buf, size_t len, int eof, size_t *pos)
{
	size_t e;

	*pos = 0;
	if (len < 5)
		return eof || len == 0 || memcmp(buf, "From ", len) != 0;
	if (memcmp(buf, "From ", 5) != 0)
		return 1;
	e = line_end(buf, len, 0);
	if (e == len && !eof)
		return 0;
	*pos = e < len ? e + 1 : len;
	return 1;
}

int submit_hdr_split(const char *buf, size_t len, int eof,
    struct submit_split *sp)
{
	size_t pos, e;
	int have_field = 0;

	if (!skip_mbox_from(buf, len, eof, &pos))
		return 0;
	sp->start = pos;
	while (pos < len) {
		e = line_end(buf, len, pos);
		if (e == len && !eof)
			return 0;	/* the line is not complete yet */
		if (e == pos) {
			sp->end = pos;
			sp->body = e < len ? e + 1 : len;
			sp->blank = 1;
			return 1;
		}
		if (!(have_field && is_wsp(buf[pos])) &&
		    !is_field_line(buf + pos, e - pos))
			break;
		have_field = 1;
		pos = e < len ? e + 1 : len;
	}
	if (pos >= len && !eof)
		return 0;
	sp->end = sp->body = pos;
	sp->blank = 0;
	return 1;
}

static int add_field(struct submit_hdrs *h, size_t *cap, size_t off,
    size_t name_len, struct op_err *e)
{
	struct submit_field *nf;

	if (h->n == *cap) {
		if (*cap >= SUBMIT_FIELDS_MAX)
			return op_errf(e, OP_DATA, "more than %d header "
			    "fields", SUBMIT_FIELDS_MAX);
		*cap = *cap ? *cap * 2 : 32;
		nf = realloc(h->f, *cap * sizeof(*nf));
		if (nf == NULL)
			return op_errnof(e, OP_TEMP, "header fields");
		h->f = nf;
	}
	h->f[h->n].off = off;
	h->f[h->n].len = 0;
	h->f[h->n].name_len = name_len;
	h->f[h->n].drop = 0;
	h->n++;
	return 0;
}

int submit_hdr_parse(const char *buf, size_t len, struct submit_hdrs *h,
    struct op_err *e)
{
	size_t pos = 0, cap = 0, end;

	h->buf = buf;
	h->f = NULL;
	h->n = 0;
	while (pos < len) {
		end = line_end(buf, len, pos);
		if (!(h->n > 0 && is_wsp(buf[pos]))) {
			/* 0 for a line that is not a field (the caller split
			 * at the header end, so only a malformed first line):
			 * kept as a field with an empty name, never matched. */
			if (add_field(h, &cap, pos, field_name_len(buf + pos,
			    end - pos), e) < 0) {
				submit_hdr_free(h);
				return -1;
			}
		}
		pos = end < len ? end + 1 : len;
		h->f[h->n - 1].len = pos - h->f[h->n - 1].off;
	}
	return 0;
}

void submit_hdr_free(struct submit_hdrs *h)
{
	free(h->f);
	h->f = NULL;
	h->n = 0;
}

long submit_hdr_find(const struct submit_hdrs *h, const char *name,
    size_t from)
{
	size_t i, n = strlen(name);

	for (i = from; i < h->n; i++)
		if (h->f[i].name_len == n &&
		    strncasecmp(h->buf + h->f[i].off, name, n) == 0)
			return (long)i;
	return -1;
}

char *submit_hdr_value(const struct submit_hdrs *h, size_t i, size_t *len)
{
	const struct submit_field *f = &h->f[i];
	const char *p = h->buf + f->off + f->name_len;
	const char *end = h->buf + f->off + f->len;
	char *out = malloc(f->len + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	/* The value starts after the colon (white space may precede it). */
	while (p < end && is_wsp(*p))
		p++;
	if (p < end && *p == ':')
		p++;
	for (; p < end; p++)
		if (*p != '\n' && *p != '\r')
			out[o++] = *p;
	while (o > 0 && is_wsp(out[o - 1]))
		o--;
	out[o] = '\0';
	p = out;
	while (is_wsp(*p))
		p++;
	memmove(out, p, o - (size_t)(p - out) + 1);
	*len = o - (size_t)(p - out);
	return out;
}
