/*
 * Reply-shape rules on the line classes: top-post (new text only above the
 * quote), untrimmed-quote (a long quoted tail after the last new line, or
 * pages of quote for a few new lines), no-new-text, quoted-signature.
 * Signature, list footer, disclaimer and forwarded lines never count as
 * new text; an Outlook original quoted without '>' counts as quote.
 */
#include "lint/lint_int.h"

#include <string.h>

#define TAIL_MIN 20
#define RATIO_QUOTE_MIN 60
#define RATIO_FACTOR 10
#define FULL_QUOTE_MIN 40		/* whole mail quoted ... */
#define FULL_NEW_MAX 2			/* ... for one or two lines */
#define SIGNOFF_MAX_LINES 8
#define SIGNOFF_MAX_WIDTH 50

struct shape {
	size_t q, t;			/* quote lines, new lines */
	size_t first_q, last_q, last_t;	/* indexes, SIZE_MAX = none */
	size_t t_before, t_after;	/* new lines before/after first quote */
	size_t tail;			/* quote lines after the last new line */
	size_t run_tail;		/* the same, as it was when the last new
					   text after a quote began */
	size_t marked;			/* '>' quote lines */
};

static int is_quote(const struct lint_line *l)
{
	return l->cls == LC_Q || l->cls == LC_O;
}

static int is_new(const struct lint_line *l)
{
	return (l->cls == LC_T && !(l->flags & LF_DISCL)) || l->cls == LC_P;
}


static const char *const closings[] = {
	"thanks", "thank you", "thx", "regards", "best", "cheers", "br",
	"kind regards", "sincerely", "cordially", "many thanks", "greetings",
	"rgds", "--", NULL
};

static int closing_word(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	for (size_t i = 0; closings[i]; i++) {
		size_t k = strlen(closings[i]);

		if (lint_str_iprefix(s, n, closings[i]) && (n == k ||
		    !((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z'))))
			return 1;
	}
	return 0;
}

static size_t words(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && (i == 0 || s[i - 1] == ' ' ||
		    s[i - 1] == '\t'))
			w++;
	return w;
}

/* Short answers that look like a name when capitalised alone on a line
 * but are the reply itself. */
static const char *const answers[] = {
	"applied", "acked", "ack", "nack", "nak", "agreed", "agree", "yes",
	"yep", "yeah", "no", "nope", "done", "fixed", "queued", "merged",
	"pushed", "reviewed", "tested", "looks", "ok", "okay", "sure",
	"right", "correct", "indeed", "exactly", "true", "false", "good",
	"great", "nice", "noted", "confirmed", "same", "ping", "bump", "lgtm",
	"will", "why", NULL
};

static int letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* A bare name or title line ("Tom", "Tom Smith", "-- Tom"): at most three
 * capitalised words of letters, no sentence punctuation, no answer word. */
static int name_line(const char *s, size_t n)
{
	size_t i = 0, w = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '-' ||
	    s[i] == '~'))
		i++;
	if (i < n && s[n - 1] == ',')
		n--;
	for (size_t k = 0; answers[k]; k++) {
		size_t l = strlen(answers[k]);

		if (lint_str_iprefix(s + i, n - i, answers[k]) &&
		    (i + l == n || !letter((unsigned char)s[i + l])))
			return 0;
	}
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || c >= 0x80) || ++w > 3)
			return 0;
		while (i < n && (letter((unsigned char)s[i]) || s[i] == '-' ||
		    s[i] == '\''))
			i++;
		if (i < n && s[i] == '.' && (i + 1 == n || s[i + 1] == ' '))
			i++;	/* an initial: "Tom S." */
		if (i < n && s[i] != ' ')
			return 0;
		while (i < n && s[i] == ' ')
			i++;
	}
	return w > 0;
}

/* New lines after the last quote that are only a sign-off ("Thanks,",
 * a name, a title block without the "-- " separator).  Short lines with
 * content ("Applied, thanks.", "Queued.", "Yes") are new text. */
static int signoff_after(const struct lint_text *t, size_t from)
{
	size_t k = 0, first = SIZE_MAX;
	int names = 1;

	for (size_t i = from; i < t->n; i++) {
		const struct lint_line *l = &t->v[i];
		const char *s = lint_line_ptr(t, i);
		size_t n = lint_str_rtrim(s, l->len);

		if (!is_new(l))
			continue;
		if (++k > SIGNOFF_MAX_LINES || l->cls == LC_P ||
		    lint_width(s, n) > SIGNOFF_MAX_WIDTH || (n > 0 &&
		    s[n - 1] == '?'))
			return 0;
		names &= closing_word(s, n) || name_line(s, n);
		if (first == SIZE_MAX)
			first = i;
	}
	return first == SIZE_MAX || closing_word(lint_line_ptr(t, first),
	    t->v[first].len) || (names && k <= 3);
}

/* "Hi Bob," above an interleaved reply is not text above the quote. */
static int greeting(const char *s, size_t n)
{
	n = lint_str_rtrim(s, n);
	return n > 0 && words(s, n) <= 4 && (s[n - 1] == ',' ||
	    lint_str_iprefix(s, n, "hi") || lint_str_iprefix(s, n, "hello") ||
	    lint_str_iprefix(s, n, "dear"));
}

static void count_quote(struct shape *sh, size_t i, size_t k, int marked)
{
	sh->q += k;
	sh->marked += marked ? k : 0;
	if (sh->first_q == SIZE_MAX)
		sh->first_q = i;
	sh->last_q = i;
	sh->tail += k;
}

/* Blank lines inside an unquoted Outlook original (between two O lines)
 * are counted with it, as blank "> " lines are in a '>' quote. */
static void measure(const struct lint_text *t, struct shape *sh)
{
	size_t gap = 0;

	memset(sh, 0, sizeof(*sh));
	sh->first_q = sh->last_q = sh->last_t = SIZE_MAX;
	for (size_t i = 0; i < t->n; i++) {
		const struct lint_line *l = &t->v[i];

		if (l->cls == LC_E) {
			gap += sh->last_q != SIZE_MAX &&
			    t->v[sh->last_q].cls == LC_O && sh->tail > 0;
			continue;
		}
		if (is_quote(l)) {
			count_quote(sh, i, 1 + (l->cls == LC_O ? gap : 0),
			    l->cls == LC_Q);
		} else if (is_new(l)) {
			sh->t++;
			sh->last_t = i;
			if (sh->tail > 0)
				sh->run_tail = sh->tail;
			sh->tail = 0;
			if (sh->first_q == SIZE_MAX)
				sh->t_before += !greeting(lint_line_ptr(t, i),
				    l->len);
			else
				sh->t_after++;
		}
		gap = 0;
	}
}

/* Lower-case copy of the From address (inside <>, else the value). */
static size_t sender_addr(const struct lint_msg *m, char *dst, size_t n)
{
	char v[512];
	size_t len = lint_hdr_get(m->raw, m->hdr_len, "From", v, sizeof(v));
	const char *b = memchr(v, '<', len), *e;
	size_t k = 0;

	b = b ? b + 1 : v;
	e = memchr(b, '>', len - (size_t)(b - v));
	if (!e)
		e = v + len;
	for (; b < e && k + 1 < n; b++)
		dst[k++] = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
	dst[k] = '\0';
	return memchr(dst, '@', k) ? k : 0;
}

/* Does the attribution just above the first quote name the sender? */
static int quotes_self(const struct lint_msg *m, size_t first_q)
{
	const struct lint_text *t = &m->text;
	char addr[256];
	size_t i = first_q, seen = 0;

	if (sender_addr(m, addr, sizeof(addr)) == 0)
		return 0;
	while (i > 0 && seen < 4) {
		const struct lint_line *l = &t->v[--i];

		if (l->cls == LC_E)
			continue;
		if (l->cls != LC_A)
			return 0;
		if (lint_str_ifind(lint_line_ptr(t, i), l->len, addr))
			return 1;
		seen++;
	}
	return 0;
}

static void rule_top_post(struct lint_msg *m, const struct shape *sh)
{
	const struct lint_text *t = &m->text;
	size_t first = 0;
	int small;

	if (sh->q == 0 || sh->t_before == 0)
		return;
	if (sh->t_after > 0 && !signoff_after(t, sh->last_q + 1))
		return;
	if (sh->last_t != SIZE_MAX && sh->last_t > sh->first_q &&
	    !signoff_after(t, sh->last_q + 1))
		return;
	for (size_t i = sh->first_q; i <= sh->last_q; i++)
		if (is_new(&t->v[i]))
			return;	/* interleaved */
	/* a short ping above one's own quoted mail is a milder case */
	small = sh->q <= 2 || (sh->t <= 3 && quotes_self(m, sh->first_q));
	/* point at the text to move, where an editor jump helps most */
	while (first < sh->first_q && !is_new(&t->v[first]))
		first++;
	lint_emit(m, "top-post", "top-posting", small ? LINT_WARNING :
	    LINT_ERROR, small, t->v[first].lineno, 0,
	    "%zu new line%s above %zu quoted line%s, nothing new below",
	    sh->t_before, LINT_S(sh->t_before), sh->q, LINT_S(sh->q));
}

/* A quoted diffstat summary ("> 3 files changed, ..."): the quote runs
 * past the prose into the patch metadata of the mail it answers. */
static int quoted_diffstat(const struct lint_text *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len, k = 0;

		if (t->v[i].cls != LC_Q)
			continue;
		while (k < n && (s[k] == '>' || s[k] == ' '))
			k++;
		if (k < n && s[k] >= '0' && s[k] <= '9' &&
		    (lint_str_find(s + k, n - k, " file changed") ||
		    lint_str_find(s + k, n - k, " files changed")))
			return 1;
	}
	return 0;
}

static void rule_untrimmed(struct lint_msg *m, const struct shape *sh)
{
	const struct lint_text *t = &m->text;
	size_t at = sh->last_t == SIZE_MAX ? sh->first_q : sh->last_t + 1;
	size_t tail = sh->tail;

	if (sh->q == 0)
		return;
	while (at < t->n && !is_quote(&t->v[at]))
		at++;
	if (at >= t->n)
		at = sh->first_q;
	/* A sign-off under the quote ("Thanks,", a name) is not new text:
	 * the quote above it is still the tail, as for top-posting. */
	if (sh->tail == 0 && sh->last_t != SIZE_MAX && sh->last_q !=
	    SIZE_MAX && sh->last_t > sh->last_q &&
	    signoff_after(t, sh->last_q + 1)) {
		tail = sh->run_tail;
		at = sh->last_q + 1 > tail ? sh->last_q + 1 - tail : 0;
		while (at < t->n && !is_quote(&t->v[at]))
			at++;
	}
	if (tail >= TAIL_MIN)
		lint_emit(m, "untrimmed-quote", "quote-tail", LINT_ERROR, 0,
		    t->v[at < t->n ? at : sh->first_q].lineno, 0,
		    "%zu quoted line%s left after your last new line", tail,
		    LINT_S(tail));
	else if (sh->q >= RATIO_QUOTE_MIN && sh->t * RATIO_FACTOR <= sh->q)
		lint_emit(m, "untrimmed-quote", "quote-ratio", LINT_ERROR, 0,
		    t->v[sh->first_q].lineno, 0, "%zu quoted line%s for %zu new "
		    "line%s", sh->q, LINT_S(sh->q), sh->t, LINT_S(sh->t));
	else if (sh->q >= FULL_QUOTE_MIN && sh->t <= FULL_NEW_MAX &&
	    quoted_diffstat(t))
		lint_emit(m, "untrimmed-quote", "quote-fullquote", LINT_ERROR,
		    0, t->v[sh->first_q].lineno, 0, "whole mail quoted (%zu "
		    "lines, diffstat included) for %zu new line%s", sh->q, sh->t,
		    LINT_S(sh->t));
}

static void rule_quoted_sig(struct lint_msg *m)
{
	const struct lint_text *t = &m->text;

	for (size_t i = 0; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len, k = 0;

		if (t->v[i].cls != LC_Q)
			continue;
		while (k < n && s[k] == '>') {
			k++;
			if (k < n && s[k] == ' ' && n - k != 3)
				k++;
		}
		if (n - k == 3 && memcmp(s + k, "-- ", 3) == 0) {
			lint_emit(m, "quoted-signature", NULL, LINT_WARNING, 0,
			    t->v[i].lineno, 0, "quoted signature left in the "
			    "reply");
			return;
		}
	}
}

/* "Fwd:", "Fw:", "[Fwd: ...]": a forward passes a message on, it need
 * not add words to it (the quote model marks a forwarded body as X when
 * there is a forward marker; some clients quote it with '>' instead). */
static int forward_subject(const struct lint_msg *m)
{
	char v[64];
	size_t n = lint_hdr_get(m->raw, m->hdr_len, "Subject", v, sizeof(v)),
	    k = 0;

	while (k < n && (v[k] == ' ' || v[k] == '['))
		k++;
	return lint_str_iprefix(v + k, n - k, "fwd:") ||
	    lint_str_iprefix(v + k, n - k, "fw:");
}

/* A fragment read as a re-wrapped quote tail may be a short answer
 * ("yes, agreed"): too unsure to say nothing new was written. */
static int maybe_answer(const struct lint_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].flags & LF_REWRAP)
			return 1;
	return 0;
}

void rule_quote_run(struct lint_msg *m)
{
	struct shape sh;

	measure(&m->text, &sh);
	if (sh.marked > 0 && sh.t == 0 && !forward_subject(m) &&
	    !maybe_answer(&m->text))
		lint_emit(m, "no-new-text", NULL, LINT_ERROR, 0,
		    m->text.v[sh.first_q].lineno, 0,
		    "reply contains only quoted text");
	rule_top_post(m, &sh);
	rule_untrimmed(m, &sh);
	rule_quoted_sig(m);
}
