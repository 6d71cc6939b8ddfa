/*
 * The quote model, one place for every rule: which body lines are other
 * people's words and which are the sender's.  '>' quotes (also indented
 * under an attribution, as Outlook for Mac writes them), tails a client
 * re-wrapped off a quote, attributions, forwards, unmarked Outlook
 * originals with the answers written into them ("[Name]", ">>",
 * indented), the sender's own footer below such an original, and cited
 * blocks (an indented paragraph introduced by "...:").
 */
#include "lint/lint_int.h"

#include <string.h>

static int indented(const char *s, size_t n)
{
	return (n > 0 && s[0] == '\t') || (n > 3 && s[0] == ' ' &&
	    s[1] == ' ' && s[2] == ' ' && s[3] == ' ');
}

static int upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* "[Bob]", "[Bob S.]", "[BS]" at the start of a line, then a blank. */
static int name_marker(const char *s, size_t n)
{
	size_t k = 1;

	if (n < 4 || s[0] != '[' || !upper(s[1]))
		return 0;
	while (k < n && k < 32 && s[k] != ']') {
		char c = s[k++];

		if (!upper(c) && !(c >= 'a' && c <= 'z') && c != ' ' &&
		    c != '.' && c != '-')
			return 0;
	}
	return k < n && s[k] == ']' && (k + 1 == n || s[k + 1] == ' ' ||
	    s[k + 1] == ':') && !lint_str_prefix(s, n, "[PATCH");
}

/* Words, not code: two blanks or more, none of the characters code is
 * made of. */
static int sentence(const char *s, size_t n)
{
	size_t blanks = 0;

	for (size_t i = 0; i < n; i++) {
		if (strchr("(){};=<>[]*&|#", s[i]) != NULL && s[i] != '\0')
			return 0;
		blanks += s[i] == ' ';
	}
	return blanks >= 2;
}

/* Line i of an unmarked original, below line prev, is an answer. */
static int answer(const struct lint_text *t, size_t i, size_t prev,
    int flat)
{
	const char *s = lint_line_ptr(t, i), *p = lint_line_ptr(t, prev);
	size_t n = t->v[i].len, pn = t->v[prev].len, k = 0;

	if (lint_attrib_line(p, pn))
		return 0;	/* a quote the original itself carries */
	if (t->v[i].cls == LC_Q)
		return lint_str_prefix(s, n, ">>") && (t->v[prev].cls == LC_O ||
		    (t->v[prev].cls == LC_T && p[0] == '>'));
	if (t->v[i].cls != LC_O)
		return 0;
	if (name_marker(s, n))
		return 1;
	if (!flat || !indented(s, n))
		return 0;
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	/* a sentence (not indented code) under a line of the original, or
	 * continuing an answer */
	return k < n && ((s[k] >= 'a' && s[k] <= 'z') || upper(s[k])) &&
	    sentence(s + k, n - k) &&
	    (t->v[prev].cls == LC_T ? indented(p, pn) : !indented(p, pn));
}

/* Blanks in front of a '>' (at most 8): Outlook for Mac indents its quote
 * by four spaces under an "On ..., "X" <x> wrote:" line. */
static size_t quote_indent(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && k <= 8 && s[k] == ' ')
		k++;
	return k < n && s[k] == '>' ? k : SIZE_MAX;
}

/* An indented '>' line is a quote only under an attribution or below
 * another such quote line (a '>' in indented code is not a quote). */
static int indented_quote(const struct lint_text *t, size_t i)
{
	while (i > 0) {
		const char *s = lint_line_ptr(t, --i);
		size_t n = t->v[i].len;

		if (lint_str_blank(s, n))
			continue;
		if (t->v[i].cls == LC_Q)
			return s[0] == ' ';
		return lint_attrib_line(s, n);
	}
	return 0;
}

static void mark_quotes(struct lint_text *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len, k = quote_indent(s, n);
		unsigned d = 0;

		if (t->v[i].cls != LC_T || k == SIZE_MAX ||
		    lint_str_prefix(s, n, ">From ") ||
		    (k > 0 && !indented_quote(t, i)))
			continue;
		while (k < n && s[k] == '>') {
			d++;
			k++;
			while (k < n && (s[k] == ' ' || s[k] == '\t'))
				k++;
		}
		t->v[i].cls = LC_Q;
		t->v[i].depth = (uint8_t)(d > 255 ? 255 : d);
	}
}

#define REWRAP_WIDTH 72		/* joined line over this: it was wrapped */
#define REWRAP_PREV_MIN 50		/* a quoted line long enough to wrap */
#define REWRAP_FRAG_MAX 40		/* the wrapped-off tail is short */
#define REWRAP_FRAG_WORDS 6

static size_t word_count(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += s[i] != ' ' && (i == 0 || s[i - 1] == ' ');
	return w;
}

/* Line i, unquoted between two quoted lines, is the tail of line i - 1
 * cut off when a client (Exchange) re-wrapped the quote: the quoted line
 * is long, the two joined would not fit the wrap width, and the tail is a
 * short piece that goes on mid-sentence (not capitalised, no question). */
static int rewrap_tail(const struct lint_text *t, size_t i)
{
	const char *s = lint_line_ptr(t, i), *p;
	size_t n = lint_str_rtrim(s, t->v[i].len), pn;
	unsigned w, pw;

	if (i == 0 || i + 1 >= t->n || t->v[i].cls != LC_T ||
	    t->v[i - 1].cls != LC_Q || t->v[i + 1].cls != LC_Q || n == 0)
		return 0;
	if ((s[0] >= 'A' && s[0] <= 'Z') || s[0] == ' ' || s[0] == '\t' ||
	    s[n - 1] == '?' || word_count(s, n) > REWRAP_FRAG_WORDS)
		return 0;
	p = lint_line_ptr(t, i - 1);
	pn = lint_str_rtrim(p, t->v[i - 1].len);
	w = lint_width(s, n);
	pw = lint_width(p, pn);
	return w <= REWRAP_FRAG_MAX && pw >= REWRAP_PREV_MIN &&
	    pw + 1 + w > REWRAP_WIDTH;
}

static void mark_rewrapped(struct lint_text *t)
{
	for (size_t i = 1; i + 1 < t->n; i++)
		if (rewrap_tail(t, i)) {
			t->v[i].cls = LC_Q;
			t->v[i].flags |= LF_REWRAP;
			t->v[i].depth = t->v[i - 1].depth;
		}
}

static void fill_from(struct lint_text *t, size_t i, uint8_t cls)
{
	for (; i < t->n; i++)
		if (t->v[i].cls == LC_T || (cls == LC_X && t->v[i].cls == LC_Q))
			t->v[i].cls = cls;
}

/* The sender's words written into an unmarked original: a line marked
 * ">>" or "[Name]" below a line of the original, and a line indented
 * under one when the original itself is not indented. */
static void mark_answers(struct lint_text *t, size_t from)
{
	size_t o = 0, ind = 0, prev = SIZE_MAX;

	for (size_t i = from; i < t->n; i++)
		if (t->v[i].cls == LC_O && t->v[i].len > 0) {
			o++;
			ind += indented(lint_line_ptr(t, i), t->v[i].len);
		}
	for (size_t i = from; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len;

		if (t->v[i].cls == LC_E || lint_str_blank(s, n))
			continue;
		if (prev != SIZE_MAX && answer(t, i, prev, ind * 3 <= o)) {
			t->v[i].cls = LC_T;
			t->v[i].depth = 0;
		}
		prev = i;
	}
}

/* The organisation of the original's author: the label in front of the
 * top-level domain of the first address in its header block ("hcl" for
 * x@hcl.com), "" when there is none. */
static void original_org(const struct lint_text *t, size_t at, char *org,
    size_t cap)
{
	org[0] = '\0';
	for (size_t i = at; i < t->n && i < at + 6; i++) {
		const char *s = lint_line_ptr(t, i);
		const char *a = memchr(s, '@', t->v[i].len), *e, *dot = NULL;
		const char *prev = NULL;
		size_t n;

		if (!a)
			continue;
		for (e = a + 1; e < s + t->v[i].len && (*e == '.' ||
		    *e == '-' || (*e >= 'a' && *e <= 'z') ||
		    (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9')); e++)
			if (*e == '.') {
				prev = dot;
				dot = e;
			}
		if (!dot)
			return;
		a = prev ? prev + 1 : a + 1;
		n = (size_t)(dot - a);
		if (n >= 3 && n < cap) {
			memcpy(org, a, n);
			org[n] = '\0';
		}
		return;
	}
}

/* Does one of lines b..e-1 name org? */
static int names_org(const struct lint_text *t, size_t b, size_t e,
    const char *org)
{
	if (!org[0])
		return 0;
	for (; b < e; b++)
		if (lint_str_ifind(lint_line_ptr(t, b), t->v[b].len, org))
			return 1;
	return 0;
}

/* The last paragraph of the mail, when it is part of an unmarked
 * original below its first lines, is where a company gateway appends
 * the sender's footer: the disclaimer rule reads it as the sender's,
 * unless it names the original author's organisation. */
static void mark_own_tail(struct lint_text *t, size_t from,
    const char *org)
{
	size_t e = t->n, b;

	while (e > from && (t->v[e - 1].cls == LC_E ||
	    t->v[e - 1].cls == LC_L || lint_str_blank(lint_line_ptr(t, e - 1),
	    t->v[e - 1].len)))
		e--;
	if (e <= from || t->v[e - 1].cls != LC_O)
		return;
	for (b = e - 1; b > from && t->v[b - 1].cls == LC_O &&
	    !lint_str_blank(lint_line_ptr(t, b - 1), t->v[b - 1].len); b--)
		;
	if (b <= from + 1 || names_org(t, b, e, org))
		return;		/* the whole original, or its author's footer */
	for (; b < e; b++)
		t->v[b].flags |= LF_OWNTAIL;
}

static void fill_original(struct lint_text *t, size_t at)
{
	char org[64];

	fill_from(t, at + 1, LC_O);
	mark_answers(t, at + 1);
	original_org(t, at, org, sizeof(org));
	mark_own_tail(t, at + 1, org);
}

/* Attributions, Outlook blocks (the rest is an unmarked original: O) and
 * forwards (the rest is forwarded content: X). */
static void mark_reply(struct lint_text *t, int patch)
{
	int text_above = 0;

	for (size_t i = 0; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len, k;

		if (t->v[i].cls != LC_T)
			continue;
		if (lint_attrib_forward(s, n)) {
			t->v[i].cls = LC_F;
			fill_from(t, i + 1, LC_X);
			return;
		}
		if (lint_attrib_hdr_pair(t, i) > 0) {
			t->v[i].cls = t->v[i + 1].cls = LC_A;
			i++;
			continue;
		}
		/* a From:/Date: block with nothing above is a forward or the
		 * in-body header of a patch, not a quoted original */
		if (lint_attrib_original(s, n) || (text_above && !patch &&
		    (k = lint_attrib_outlook(t, i)) > 0)) {
			t->v[i].cls = LC_A;
			t->v[i].flags |= LF_OUTLOOK;
			fill_original(t, i);
			return;
		}
		if (t->v[i].cls == LC_T)
			text_above = 1;
		if (lint_attrib_line(s, n))
			t->v[i].cls = LC_A;
		else if (i + 1 < t->n && lint_str_prefix(s, n, "On ") &&
		    lint_attrib_wrote_tail(lint_line_ptr(t, i + 1),
		    t->v[i + 1].len)) {
			t->v[i].cls = t->v[i + 1].cls = LC_A;
			i++;
		}
	}
}

/* An indented paragraph right below a line ending in ':' (one blank line
 * between allowed) is cited, not written: "your patch ends with this
 * notice:".  Only the disclaimer rules read the flag. */
static void mark_cited(struct lint_text *t)
{
	size_t i = 0;

	while (i < t->n) {
		size_t b = i, intro = SIZE_MAX;
		int all = 1;

		for (; i < t->n && t->v[i].cls == LC_T; i++)
			all &= indented(lint_line_ptr(t, i), t->v[i].len) ||
			    (t->v[i].len > 1 && lint_line_ptr(t, i)[0] == ' ' &&
			    lint_line_ptr(t, i)[1] == ' ');
		if (i == b) {
			i++;
			continue;
		}
		if (b > 0)
			intro = b - 1;
		if (intro != SIZE_MAX && t->v[intro].cls == LC_E && intro > 0)
			intro--;
		if (all && intro != SIZE_MAX && t->v[intro].cls == LC_T &&
		    lint_str_rtrim(lint_line_ptr(t, intro), t->v[intro].len) > 0 &&
		    lint_line_ptr(t, intro)[lint_str_rtrim(lint_line_ptr(t,
		    intro), t->v[intro].len) - 1] == ':')
			for (size_t j = b; j < i; j++)
				t->v[j].flags |= LF_CITED;
	}
}

void lint_quote_markers(struct lint_text *t)
{
	mark_quotes(t);
}

void lint_quote_reply(struct lint_text *t, int patch)
{
	mark_rewrapped(t);
	mark_reply(t, patch);
}

void lint_quote_cited(struct lint_text *t)
{
	mark_cited(t);
}
