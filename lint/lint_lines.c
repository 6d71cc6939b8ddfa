/*
 * Turn one MIME part into body lines: undo the transfer encoding, convert
 * the charset, split at LF (a trailing CR is dropped, a CR elsewhere is
 * flagged) and give each line the input-file line it came from.  Line
 * count and decoded size are capped; no per-line allocation.
 */
#include "lint/lint_int.h"

#include <stdlib.h>
#include <string.h>

void lint_text_free(struct lint_text *t)
{
	free(t->buf);
	free(t->v);
	free(t->map);
	memset(t, 0, sizeof(*t));
}

static int decode(const struct lint_part *p, struct lint_text *t)
{
	if (!p->body)
		return 0;
	switch (p->cte) {
	case LINT_CTE_QP:
		return lint_decode_qp(p->body, p->body_len, t);
	case LINT_CTE_B64:
		return lint_decode_b64(p->body, p->body_len, t);
	default:
		return lint_text_put(t, p->body, p->body_len);
	}
}

static int add_line(struct lint_text *t, size_t off, size_t len,
    uint32_t lineno)
{
	struct lint_line *l;

	if (t->n == t->cap_lines) {
		size_t cap = t->cap_lines ? t->cap_lines * 2 : 256;
		struct lint_line *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -1;
		t->v = v;
		t->cap_lines = cap;
	}
	l = &t->v[t->n++];
	memset(l, 0, sizeof(*l));
	l->off = (uint32_t)off;
	l->len = (uint32_t)len;
	l->lineno = lineno;
	l->cls = LC_T;
	return 0;
}

/* Input line of decoded line i: exact for identity encodings; for base64
 * and quoted-printable the decoded line itself (LINT_LINE_DECODED); the
 * part's first line when a charset changed the line structure. */
static uint32_t line_of(const struct lint_part *p, size_t i, int exact)
{
	if (exact && (p->cte == LINT_CTE_QP || p->cte == LINT_CTE_B64))
		return LINT_LINE_DECODED | (uint32_t)(i + 1);
	if (!exact)
		return p->line;
	return p->line + (uint32_t)i;
}

static int split(const struct lint_part *p, struct lint_text *t, int exact)
{
	size_t i = 0;

	while (i < t->len) {
		const char *s = t->buf + i;
		const char *nl = memchr(s, '\n', t->len - i);
		size_t n = nl ? (size_t)(nl - s) : t->len - i;

		if (t->n >= LINT_MAX_LINES) {
			t->truncated = 1;
			break;
		}
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (add_line(t, i, n, line_of(p, t->n, exact)) != 0)
			return -1;
		if (memchr(s, '\r', n)) {
			t->v[t->n - 1].flags |= LF_CR;
			t->has_cr = 1;
		}
		i += (nl ? (size_t)(nl - s) + 1 : t->len - i);
	}
	return 0;
}

int lint_lines_load(struct lint_msg *m, const struct lint_part *p,
    struct lint_text *t)
{
	int exact = 1;

	(void)m;
	t->part_line = p->line;
	t->cte = p->cte;
	if (decode(p, t) != 0)
		return -1;
	if (!lint_charset_is_utf8ish(p->charset)) {
		size_t cl = strlen(p->charset);

		if (lint_charset_to_utf8(t, p->charset) != 0)
			return -1;
		/* utf-16/32 change the line structure of the wire form */
		if (lint_str_find(p->charset, cl, "16") ||
		    lint_str_find(p->charset, cl, "32"))
			exact = 0;
	}
	if (t->len > UINT32_MAX - 1)
		t->len = UINT32_MAX - 1;
	return split(p, t, exact);
}

/* A text/html part reduced to text lines (for mail without text/plain);
 * every line reports the part's first body line. */
int lint_lines_load_html(const struct lint_part *p, struct lint_text *t)
{
	struct lint_text raw = {0};
	int rc = -1;

	if (decode(p, &raw) == 0 &&
	    lint_charset_to_utf8(&raw, p->charset) == 0 &&
	    lint_html_to_text(raw.buf ? raw.buf : "", raw.len, t) == 0)
		rc = split(p, t, 0);
	t->charset_unknown = raw.charset_unknown;
	lint_text_free(&raw);
	return rc;
}
