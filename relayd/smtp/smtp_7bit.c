/*
 * smtp_7bit(): a message with 8-bit text made 7-bit for a server that does
 * not offer 8BITMIME (RFC 6152 forbids sending it 8-bit data).  Every MIME
 * leaf whose body has 8-bit bytes is re-encoded quoted-printable (RFC 2045
 * 6.7) and its Content-Transfer-Encoding says so; multiparts are walked by
 * their boundaries.  What cannot be re-encoded (8-bit header text, 8-bit
 * text in a message/ part, a preamble or a base64/QP body) is refused
 * with a reason.  Pure and bounded: depth, boundary length, output size.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "relayd/smtp/smtp_session.h"
#include "util/ascii8.h"

#define DEPTH_MAX	32
#define BOUNDARY_MAX	200	/* RFC 2046 says 70; be lenient, stay bounded */
#define QP_LINE		76	/* encoded line, "=" of a soft break included */

struct sb {
	char *p;
	size_t len, cap, max;
	int oom;
	char *why;
	size_t wlen;
};

static int fail(struct sb *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct sb *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->why, o->wlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int put(struct sb *o, const char *s, size_t n)
{
	size_t cap;
	char *np;

	if (o->oom)
		return -1;
	if (n == 0)
		return 0;
	if (n > o->max - o->len) {
		o->oom = 1;
		return fail(o, "the message re-encoded would be too large");
	}
	if (o->len + n > o->cap) {
		cap = o->cap ? o->cap : 4096;
		while (cap < o->len + n)
			cap = cap > o->max / 2 ? o->max : cap * 2;
		np = realloc(o->p, cap);
		if (np == NULL) {
			o->oom = 1;
			return fail(o, "out of memory");
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	return 0;
}

/* End of the line starting at s (past its LF, or e). */
static const char *line_end(const char *s, const char *e)
{
	const char *nl = memchr(s, '\n', (size_t)(e - s));

	return nl != NULL ? nl + 1 : e;
}

/* Length of the line's text without its LF or CRLF. */
static size_t text_len(const char *s, const char *le)
{
	size_t n = (size_t)(le - s);

	if (n > 0 && s[n - 1] == '\n')
		n--;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	return n;
}

/* One entity: its header [s, body) and body [body, e). */
struct ent {
	const char *s, *body, *e;
	char type[128];			/* "text/plain", lower case */
	char cte[32];			/* "8bit", lower case; "" = none */
	char boundary[BOUNDARY_MAX + 1];
};

/* The unfolded value of field `name` (first one) into v; 0 when absent. */
static int field(const struct ent *en, const char *name, char *v, size_t vl)
{
	size_t nl = strlen(name), o = 0, n;
	const char *l, *le;
	int in = 0;

	for (l = en->s; l < en->body; l = le) {
		le = line_end(l, en->body);
		n = text_len(l, le);
		if (in && n > 0 && (l[0] == ' ' || l[0] == '\t')) {
			/* continuation of the field being read */
		} else if (in) {
			break;
		} else if (n > nl && l[nl] == ':' &&
		    strncasecmp(l, name, nl) == 0) {
			in = 1;
			l += nl + 1;
			n -= nl + 1;
		} else {
			continue;
		}
		for (; n > 0 && o + 2 < vl; n--, l++)
			v[o++] = *l == '\r' || *l == '\t' ? ' ' : *l;
		if (o + 2 < vl)
			v[o++] = ' ';
	}
	v[o] = '\0';
	return in;
}

/* The first token of v (up to ';' or space), lower case. */
static void token(const char *v, char *out, size_t ol)
{
	size_t o = 0;

	while (*v == ' ')
		v++;
	for (; *v && *v != ';' && *v != ' ' && *v != '(' && o + 1 < ol; v++)
		out[o++] = (char)(*v >= 'A' && *v <= 'Z' ? *v + 32 : *v);
	out[o] = '\0';
}

/* The boundary parameter of a Content-Type value ("" when none). */
static void boundary(const char *v, char *out, size_t ol)
{
	const char *p = v;
	size_t o = 0;
	int q;

	out[0] = '\0';
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ')
			p++;
		if (strncasecmp(p, "boundary", 8) != 0)
			continue;
		p += 8;
		while (*p == ' ')
			p++;
		if (*p++ != '=')
			continue;
		while (*p == ' ')
			p++;
		q = *p == '"';
		for (p += q; *p && o + 1 < ol; p++) {
			if (q ? *p == '"' : (*p == ';' || *p == ' '))
				break;
			if (q && *p == '\\' && p[1] != '\0')
				p++;
			out[o++] = *p;
		}
		out[o] = '\0';
		return;
	}
}

static void ent_parse(struct ent *en, const char *s, const char *e)
{
	char v[1024];
	const char *l, *le;

	en->s = s;
	en->e = e;
	en->body = e;
	for (l = s; l < e; l = le) {
		le = line_end(l, e);
		if (text_len(l, le) == 0) {
			en->body = le;
			break;
		}
	}
	snprintf(en->type, sizeof(en->type), "text/plain");
	if (field(en, "Content-Type", v, sizeof(v))) {
		token(v, en->type, sizeof(en->type));
		boundary(v, en->boundary, sizeof(en->boundary));
	}
	en->cte[0] = '\0';
	if (field(en, "Content-Transfer-Encoding", v, sizeof(v)))
		token(v, en->cte, sizeof(en->cte));
}

/* The header with every Content-Transfer-Encoding field replaced by one
 * saying `cte` (the header's blank line is written by the caller). */
static int header_with(struct sb *o, const struct ent *en, const char *cte)
{
	static const char name[] = "Content-Transfer-Encoding:";
	const char *l, *le, *hend = en->body;
	int skip = 0;

	for (l = en->s; l < en->body; l = le) {
		le = line_end(l, en->body);
		if (text_len(l, le) == 0) {
			hend = l;
			break;
		}
		if (skip && (l[0] == ' ' || l[0] == '\t'))
			continue;
		skip = (size_t)(le - l) >= sizeof(name) - 1 &&
		    strncasecmp(l, name, sizeof(name) - 1) == 0;
		if (!skip && put(o, l, (size_t)(le - l)) < 0)
			return -1;
	}
	if (put(o, name, sizeof(name) - 1) < 0 || put(o, " ", 1) < 0 ||
	    put(o, cte, strlen(cte)) < 0 || put(o, "\n", 1) < 0)
		return -1;
	return put(o, hend, (size_t)(en->body - hend));
}

/* Quoted-printable of body [s, e): hard line breaks stay line breaks,
 * everything else that is not plain printable ASCII becomes =XX. */
static int qp(struct sb *o, const char *s, const char *e)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *l, *le;
	size_t n, i, col;
	char piece[3];

	for (l = s; l < e; l = le) {
		le = line_end(l, e);
		n = text_len(l, le);
		for (i = 0, col = 0; i < n; i++) {
			unsigned char c = (unsigned char)l[i];
			size_t w = 1;

			piece[0] = (char)c;
			if (!((c >= 33 && c <= 126 && c != '=') ||
			    ((c == ' ' || c == '\t') && i + 1 < n))) {
				piece[0] = '=';
				piece[1] = hex[c >> 4];
				piece[2] = hex[c & 15];
				w = 3;
			}
			if (col + w > QP_LINE - 1) {
				if (put(o, "=\n", 2) < 0)
					return -1;
				col = 0;
			}
			if (put(o, piece, w) < 0)
				return -1;
			col += w;
		}
		if (le > l && le[-1] == '\n' && put(o, "\n", 1) < 0)
			return -1;
	}
	return 0;
}

static int convert(struct sb *o, const char *s, const char *e, int depth);

/* The delimiter line of `b` at l: 1 = a part follows, 2 = the close.
 * Only blanks may follow (RFC 2046 transport padding): "--b10" is not a
 * delimiter of "b1". */
static int delimiter(const char *l, const char *le, const char *b, size_t bl)
{
	size_t n = text_len(l, le), i = bl + 2;
	int d = 1;

	if (n < bl + 2 || l[0] != '-' || l[1] != '-' ||
	    memcmp(l + 2, b, bl) != 0)
		return 0;
	if (n >= bl + 4 && l[bl + 2] == '-' && l[bl + 3] == '-') {
		d = 2;
		i += 2;
	}
	for (; i < n; i++)
		if (l[i] != ' ' && l[i] != '\t')
			return 0;
	return d;
}

/* A multipart body: preamble, parts (each converted), epilogue. */
static int multipart(struct sb *o, const struct ent *en, int depth)
{
	size_t bl = strlen(en->boundary);
	const char *l, *le, *part = NULL;
	int d = 0;

	if (bl == 0)
		return fail(o, "a multipart without a boundary");
	for (l = en->body; l < en->e && d != 2; l = le) {
		le = line_end(l, en->e);
		d = delimiter(l, le, en->boundary, bl);
		if (d == 0)
			continue;
		if (part == NULL && mem_has_8bit(en->body, (size_t)(l -
		    en->body)))
			return fail(o, "8-bit text in a multipart preamble");
		if (part == NULL ? put(o, en->body, (size_t)(l - en->body)) :
		    convert(o, part, l, depth + 1))
			return -1;
		if (put(o, l, (size_t)(le - l)) < 0)
			return -1;
		part = le;
	}
	if (part == NULL)
		return fail(o, "a multipart without its boundary");
	if (d != 2)		/* no close delimiter: the rest is a part */
		return convert(o, part, en->e, depth + 1);
	if (mem_has_8bit(l, (size_t)(en->e - l)))
		return fail(o, "8-bit text in a multipart epilogue");
	return put(o, l, (size_t)(en->e - l));
}

static int convert(struct sb *o, const char *s, const char *e, int depth)
{
	struct ent en;

	if (!mem_has_8bit(s, (size_t)(e - s)))
		return put(o, s, (size_t)(e - s));
	if (depth > DEPTH_MAX)
		return fail(o, "MIME nesting deeper than %d", DEPTH_MAX);
	ent_parse(&en, s, e);
	if (mem_has_8bit(s, (size_t)(en.body - s)))
		return fail(o, "the message has 8-bit headers");
	if (strncmp(en.type, "multipart/", 10) == 0) {
		if (en.cte[0] && strcmp(en.cte, "7bit") != 0 &&
		    strcmp(en.cte, "8bit") != 0 &&
		    strcmp(en.cte, "binary") != 0)
			return fail(o, "a multipart with encoding %s", en.cte);
		if (header_with(o, &en, "7bit") < 0)
			return -1;
		return multipart(o, &en, depth);
	}
	if (strncmp(en.type, "message/", 8) == 0)
		return fail(o, "8-bit text in a %s part", en.type);
	if (strcmp(en.cte, "base64") == 0 ||
	    strcmp(en.cte, "quoted-printable") == 0)
		return fail(o, "8-bit bytes in a %s body", en.cte);
	if (header_with(o, &en, "quoted-printable") < 0)
		return -1;
	return qp(o, en.body, en.e);
}

int smtp_7bit(const char *msg, size_t len, size_t max, char **out,
    size_t *outlen, char *why, size_t wlen)
{
	struct sb o;

	memset(&o, 0, sizeof(o));
	o.max = max;
	o.why = why;
	o.wlen = wlen;
	why[0] = '\0';
	*out = NULL;
	*outlen = 0;
	if (convert(&o, msg, msg + len, 0) < 0 || put(&o, "", 1) < 0) {
		free(o.p);
		return -1;
	}
	*out = o.p;
	*outlen = o.len - 1;	/* a NUL after the text, for callers' ease */
	return 0;
}
