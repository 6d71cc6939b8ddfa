/*
 * Line rules on the decoded body: long-lines (sender's prose over 80
 * display columns, exemptions in docs/LINT-RULES.md), commit-log-long-line,
 * html-looking-text, format-flowed-patch, patch-corrupted; and on the wire
 * form: line-over-998, message-too-large.  Never looks at quoted, patch,
 * diffstat, attribution or list-footer lines for widths.
 */
#include "lint/lint_int.h"

#include <string.h>
#include "util/ascii8.h"

#define LONG_LIMIT 80
#define LOG_LIMIT 75
#define TOKEN_UNBREAKABLE 60
#define WIRE_LIMIT 998

struct token {
	const char *s;
	size_t n;
	unsigned w;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The next whitespace-separated token from *i on: its start goes to *b,
 * its length is returned (0 at the end of the line). */
static size_t next_token(const char *s, size_t n, size_t *i, size_t *b)
{
	while (*i < n && is_space(s[*i]))
		(*i)++;
	*b = *i;
	while (*i < n && !is_space(s[*i]))
		(*i)++;
	return *i - *b;
}

static int is_url(const char *s, size_t n)
{
	const char *p = lint_str_find(s, n, "://");
	size_t k;

	if (!p || p == s)
		return lint_str_iprefix(s, n, "www.") ||
		    lint_str_iprefix(s, n, "<www.");
	for (k = 0; s + k < p; k++) {
		char c = s[k];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '.' ||
		    c == '-' || c == '<' || c == '(' || c == '[' || c == '"'))
			return 0;
	}
	return 1;
}

static struct token widest(const char *s, size_t n)
{
	struct token best = {s, 0, 0};
	size_t i = 0, b, k;

	while ((k = next_token(s, n, &i, &b)) > 0) {
		unsigned w = lint_width(s + b, k);

		if (w > best.w) {
			best.s = s + b;
			best.n = k;
			best.w = w;
		}
	}
	return best;
}

static int trailing_punct(char c)
{
	return c != '\0' && strchr(".,;:!?)\"'", c) != NULL;
}

/* A plain word: letters with inner apostrophes or hyphens, at most one
 * inner slash ("and/or"); paths, numbers, options and identifiers are
 * not words. */
static int is_word(const char *s, size_t n)
{
	size_t i = 0, letters = 0, slashes = 0;

	while (i < n && (s[i] == '(' || s[i] == '"' || s[i] == '\''))
		i++;
	while (n > i && trailing_punct(s[n - 1]))
		n--;
	if (i < n && (s[i] == '/' || s[i] == '-'))
		return 0;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c >= 0x80)
			letters++;
		else if (c == '/')
			slashes++;
		else if (c != '\'' && c != '-')
			return 0;
	}
	return letters > 0 && slashes <= 1;
}

/* Count whitespace-separated tokens and how many are plain words (with
 * bullets "-" and "*" counted as words when `bullets` is set). */
static void word_counts(const char *s, size_t n, int bullets, size_t *words,
    size_t *toks)
{
	size_t i = 0, b, k;

	*words = *toks = 0;
	while ((k = next_token(s, n, &i, &b)) > 0) {
		(*toks)++;
		*words += is_word(s + b, k) || (bullets && k == 1 &&
		    (s[b] == '-' || s[b] == '*'));
	}
}

/* Prose: mostly plain words.  Logs, commands, compiler output and tables
 * are made of paths, numbers, options and symbols instead. */
static int prose(const char *s, size_t n)
{
	size_t words, toks;

	word_counts(s, n, 0, &words, &toks);
	return words >= 5 && words * 10 >= toks * 6;
}

/* CJK prose has no spaces between words: count it by its wide cells
 * (display width well above the number of code points). */
static int wide_text(const char *s, size_t n, unsigned w)
{
	size_t cps = 0;

	for (size_t i = 0; i < n; i++)
		cps += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w >= cps + 20;
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Stricter than prose(): nearly every token a plain word. */
static int plain_prose(const char *s, size_t n)
{
	size_t words, toks;

	word_counts(s, n, 1, &words, &toks);
	return words >= 8 && words * 100 >= toks * 90;
}

static int separator(const char *s, size_t n)
{
	size_t same = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == s[0])
			same++;
	return (s[0] == '-' || s[0] == '=' || s[0] == '_' || s[0] == '*' ||
	    s[0] == '#' || s[0] == '~' || s[0] == '+') && same * 10 >= n * 8;
}

/* Length of a list marker at s ("-", "*", "+", "3.", "3)", "[1]", "[*]")
 * followed by a space, else 0. */
static size_t list_marker(const char *s, size_t n)
{
	size_t k = 0;

	if (n > 1 && (s[0] == '-' || s[0] == '*' || s[0] == '+'))
		k = 1;
	else if (n > 2 && s[0] == '[') {
		const char *e = memchr(s, ']', n < 6 ? n : 6);

		k = e ? (size_t)(e - s) + 1 : 0;
	} else {
		while (k < n && k < 3 && digit(s[k]))
			k++;
		if (k == 0 || k >= n || (s[k] != '.' && s[k] != ')'))
			return 0;
		k++;
	}
	return k < n && is_space(s[k]) ? k : 0;
}

/* Length of a one-word label ("Applied:", "Patchwork:") and the blanks
 * after it when only a URL follows (a reference line like a trailer),
 * else 0. */
static size_t url_label(const char *s, size_t n)
{
	size_t k = 0, e;

	while (k < n && ((s[k] >= 'a' && s[k] <= 'z') ||
	    (s[k] >= 'A' && s[k] <= 'Z') || (k > 0 && s[k] == '-')))
		k++;
	if (k == 0 || k + 1 >= n || s[k] != ':' || !is_space(s[k + 1]))
		return 0;
	for (e = k + 1; e < n && is_space(s[e]); e++)
		;
	return e < n && is_url(s + e, n - e) && !memchr(s + e, ' ', n - e) &&
	    !memchr(s + e, '\t', n - e) ? e : 0;
}

/* The conventions exempt a line that is only a URL (maybe behind a list
 * or reference marker, inside <> or () and with trailing punctuation) and
 * a single unbreakable token such as a hash or path alone on its line;
 * prose next to a URL or a long token is still prose.  "Label: URL" is
 * treated like a URL-only line. */
static int lone_token(const char *s, size_t n)
{
	struct token tk;
	size_t k = 0;

	while (k < n && is_space(s[k]))
		k++;
	k += list_marker(s + k, n - k);
	while (k < n && is_space(s[k]))
		k++;
	k += url_label(s + k, n - k);
	tk = widest(s + k, n - k);
	if (tk.n != n - k)
		return 0;	/* more than one token */
	return is_url(tk.s, tk.n) || (tk.w > TOKEN_UNBREAKABLE &&
	    !mem_has_8bit(tk.s, tk.n));
}

/* Plain words glued to or next to URLs ("and <URL>specifically"): the
 * URLs make prose() miss the line, but it is still the sender's prose. */
static int url_prose(const char *s, size_t n)
{
	size_t i = 0, b, k, words = 0, urls = 0, toks = 0;

	while ((k = next_token(s, n, &i, &b)) > 0) {
		toks++;
		if (is_url(s + b, k))
			urls++;
		else
			words += is_word(s + b, k);
	}
	return urls > 0 && words > 0 && words + urls == toks;
}

/* Width of the line if it counts as an over-long prose line, else 0. */
static unsigned long_prose(const struct lint_line *l, const char *s,
    unsigned limit)
{
	size_t n = lint_str_rtrim(s, l->len);
	unsigned w;

	if (n <= limit / 4 || (w = lint_width(s, n)) <= limit)
		return 0;
	if ((l->flags & (LF_TAG | LF_LOGOUT)) || separator(s, n) ||
	    lint_log_line(s, n))
		return 0;
	/* TAB-indented text is code unless it reads as prose (Outlook users
	 * indent sentences with a TAB); a space-indented block only when it
	 * clearly reads as prose (an indented paragraph or list item) */
	if ((s[0] == '\t' && !prose(s, n)) || (n > 1 && s[0] == ' ' &&
	    s[1] == ' ' && !plain_prose(s, n)))
		return 0;
	if (lone_token(s, n))
		return 0;
	return prose(s, n) || url_prose(s, n) || wide_text(s, n, w) ? w : 0;
}

static void rule_long(struct lint_msg *m)
{
	const struct lint_text *t = &m->text;
	int log_done = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct lint_line *l = &t->v[i];
		const char *s = lint_line_ptr(t, i);
		unsigned w;

		if (l->cls != LC_T && !(l->cls == LC_S && (l->flags & LF_DISCL)))
			continue;
		if (m->has_patch && (l->flags & LF_LOG) && !log_done &&
		    (w = long_prose(l, s, LOG_LIMIT)) > 0) {
			log_done = 1;
			lint_emit(m, "commit-log-long-line", NULL, LINT_WARNING, 0,
			    l->lineno, lint_width_col(s, l->len, LOG_LIMIT),
			    "commit message line is %u "
			    "columns (wrap at %u)", w, LOG_LIMIT);
		}
		/* prose over 80 columns is long-lines in a commit log too */
		if ((w = long_prose(l, s, LONG_LIMIT)) > 0)
			lint_emit(m, "long-lines", "line-too-long", LINT_ERROR, 0,
			    l->lineno, lint_width_col(s, l->len, LONG_LIMIT),
			    "line is %u columns (limit %u)", w, LONG_LIMIT);
	}
}

static void rule_html_text(struct lint_msg *m)
{
	const struct lint_text *t = &m->text;

	for (size_t i = 0; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len, k = 0;

		if (lint_str_blank(s, n))
			continue;
		while (k < n && is_space(s[k]))
			k++;
		if (lint_str_iprefix(s + k, n - k, "<html") ||
		    lint_str_iprefix(s + k, n - k, "<!doctype html"))
			lint_emit(m, "html", "html-looking-text", LINT_WARNING, 1,
			    t->v[i].lineno, 0,
			    "text/plain body starts like an HTML document");
		return;
	}
}

/* A patch meant to be applied: the subject carries "[PATCH" and the mail
 * is not a reply to one, or a scissors line ("-- >8 --") hands one over
 * in a reply.  A diff sketched in a discussion ("something like this")
 * is read, not applied: a broken hunk there is no finding. */
static int patch_to_apply(const struct lint_msg *m)
{
	const struct lint_text *t = &m->text;
	char v[256];
	size_t n = lint_hdr_get(m->raw, m->hdr_len, "Subject", v, sizeof(v));

	if (lint_str_ifind(v, n, "[patch") && !lint_str_iprefix(v, n, "re:") &&
	    !lint_str_iprefix(v, n, "aw:"))
		return 1;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].cls == LC_T && (lint_str_find(lint_line_ptr(t, i),
		    t->v[i].len, ">8") || lint_str_find(lint_line_ptr(t, i),
		    t->v[i].len, "8<")) && lint_str_find(lint_line_ptr(t, i),
		    t->v[i].len, "--"))
			return 1;
	return 0;
}

static void rule_patch_shape(struct lint_msg *m)
{
	const struct lint_text *t = &m->text;

	if (m->has_patch && m->parts[m->body].flowed)
		lint_emit(m, "format-flowed-patch", NULL, LINT_ERROR, 0,
		    m->parts[m->body].line, 0,
		    "patch sent with format=flowed (lines get rewrapped)");
	if (!m->has_patch || !patch_to_apply(m))
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].flags & LF_CORRUPT) {
			lint_emit(m, "patch-corrupted", NULL, LINT_ERROR, 0,
			    t->v[i].lineno, 1, "line inside a diff hunk does "
			    "not start with '+', '-' or space (wrapped?)");
			return;
		}
}

/* A CR inside a line: the text was mangled on the way (edge case 31). */
static void rule_bare_cr(struct lint_msg *m)
{
	const struct lint_text *t = &m->text;

	if (!t->has_cr)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].flags & LF_CR) {
			lint_emit(m, "charset", "bare-cr", LINT_WARNING, 0,
			    t->v[i].lineno, 0, "carriage return inside a line "
			    "(mangled line endings)");
			return;
		}
}

void rule_lines_run(struct lint_msg *m)
{
	rule_bare_cr(m);
	rule_html_text(m);
	rule_long(m);
	rule_patch_shape(m);
}

static void wire_part(struct lint_msg *m, const struct lint_part *p)
{
	size_t i = 0;
	unsigned ln = p->line;

	while (i < p->body_len) {
		const char *s = p->body + i;
		const char *nl = memchr(s, '\n', p->body_len - i);
		size_t n = nl ? (size_t)(nl - s) : p->body_len - i;

		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n > WIRE_LIMIT) {
			lint_emit(m, "line-over-998", NULL, LINT_ERROR, 0, ln,
			    WIRE_LIMIT + 1, "line is %zu octets on the wire "
			    "(SMTP limit %u)", n, WIRE_LIMIT);
			return;
		}
		ln++;
		i += (nl ? (size_t)(nl - s) + 1 : p->body_len - i);
	}
}

void rule_lines_wire(struct lint_msg *m)
{
	size_t limit = m->ctx->max_size ? m->ctx->max_size : LINT_MAX_SIZE;

	if (m->full_len > limit)
		lint_emit(m, "message-too-large", NULL, LINT_WARNING, 0, 0, 0,
		    "message is %zu bytes, over the limit of %zu "
		    "(lint_max_size)", m->full_len, limit);
	for (size_t i = 0; i < m->nparts; i++) {
		const struct lint_part *p = &m->parts[i];

		if (p->leaf && p->body && p->cte != LINT_CTE_QP &&
		    p->cte != LINT_CTE_B64)
			wire_part(m, p);
	}
}
