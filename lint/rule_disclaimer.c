/*
 * Confidentiality disclaimers (docs/LINT-RULES.md): phrase families matched
 * over normalised text (ASCII lower case, "e-mail" -> "email", blanks
 * collapsed, lines joined) of the sender's own lines: new text and
 * signature, never patch, diffstat, quote or list footer.  It fires on a
 * strong received-in-error / notify-and-delete form, or on two different
 * families within 15 non-blank lines.  The same detector on quoted lines
 * gives the quoted-disclaimer hint.  The matched paragraph is flagged so
 * that the reply rules do not take it for new text.
 */
#include "lint/lint_int.h"

#include <stdlib.h>
#include <string.h>

#define WINDOW 15		/* non-blank lines */
#define NORM_MAX (2u << 20)	/* normalised bytes examined */
#define MAX_HITS 512

enum { F_CLAIM, F_RCPT, F_PROHIBIT, F_ERROR, F_BANNER, F_FOREIGN, F_ASIS,
	F_RISK, F_EXPORT };

struct phrase {
	const char *s;
	int fam;
};

static const struct phrase phrases[] = {
	{"confidential information", F_CLAIM}, {"confidential material", F_CLAIM},
	{"proprietary information", F_CLAIM}, {"privileged information", F_CLAIM},
	{"legally privileged", F_CLAIM}, {"privileged and confidential", F_CLAIM},
	{"confidential and privileged", F_CLAIM},
	{"confidential and/or privileged", F_CLAIM},
	{"confidential or privileged", F_CLAIM},
	{"privileged or confidential", F_CLAIM},
	{"proprietary and confidential", F_CLAIM},
	{"confidential and proprietary", F_CLAIM},
	{"confidential and/or proprietary", F_CLAIM},
	{"proprietary or confidential", F_CLAIM},
	{"confidential and may", F_CLAIM}, {"are confidential", F_CLAIM},
	{"is confidential", F_CLAIM}, {"may be confidential", F_CLAIM},
	{"contain confidential", F_CLAIM}, {"contains confidential", F_CLAIM},
	{"exempt from disclosure", F_CLAIM}, {"may be privileged", F_CLAIM},
	{"confidentiality notice", F_CLAIM}, {"strictly confidential", F_CLAIM},
	{"intended recipient", F_RCPT}, {"intended solely for", F_RCPT},
	{"intended only for", F_RCPT}, {"intended exclusively for", F_RCPT},
	{"sole use of", F_RCPT}, {"named recipient", F_RCPT},
	{"designated recipient", F_RCPT}, {"intended addressee", F_RCPT},
	{"named addressee", F_RCPT}, {"to whom it is addressed", F_RCPT},
	{"to whom they are addressed", F_RCPT}, {"use of the addressee", F_RCPT},
	{"intended for the use of", F_RCPT},
	{"intended for a specific individual", F_RCPT},
	{"to which it is addressed", F_RCPT}, {"to which they are addressed", F_RCPT},
	{"may contain privileged", F_CLAIM}, {"contain proprietary", F_CLAIM},
	{"\xe6\x9c\xba\xe5\xaf\x86\xe4\xbf\xa1\xe6\x81\xaf", F_FOREIGN},
	{"is prohibited", F_PROHIBIT}, {"are prohibited", F_PROHIBIT},
	{"strictly prohibited", F_PROHIBIT}, {"may be unlawful", F_PROHIBIT},
	{"do not read, copy", F_PROHIBIT}, {"do not disclose", F_PROHIBIT},
	{"must not copy", F_PROHIBIT}, {"must not disclose", F_PROHIBIT},
	{"unauthorized use", F_PROHIBIT}, {"unauthorised use", F_PROHIBIT},
	{"unauthorized review", F_PROHIBIT}, {"unauthorised review", F_PROHIBIT},
	{"unauthorized disclosure", F_PROHIBIT},
	{"not disclose the contents", F_PROHIBIT},
	{"in error", F_ERROR}, {"by mistake", F_ERROR},
	{"notify the sender", F_ERROR}, {"contact the sender", F_ERROR},
	{"inform the sender", F_ERROR}, {"destroy all copies", F_ERROR},
	{"delete all copies", F_ERROR}, {"delete this message", F_ERROR},
	{"delete this email", F_ERROR}, {"delete the original", F_ERROR},
	{"destroy the original", F_ERROR},
	{"\xe4\xbf\x9d\xe5\xaf\x86\xe4\xbf\xa1\xe6\x81\xaf", F_FOREIGN},
	{"\xe9\x94\x99\xe6\x94\xb6\xe4\xba\x86\xe6\x9c\xac\xe9\x82\xae\xe4\xbb\xb6",
	    F_FOREIGN},
	{"informacje poufne", F_FOREIGN}, {"vertrauliche informationen", F_FOREIGN},
	{"confidentiel", F_FOREIGN},
	{"\xe6\xa9\x9f\xe5\xaf\x86\xe6\x83\x85\xe5\xa0\xb1", F_FOREIGN},
	{"provided as is", F_ASIS}, {"provided \"as is\"", F_ASIS},
	{"you assume all risk", F_RISK}, {"not been tested or validated", F_RISK},
	{"hazardous environment", F_RISK},
	{"vertrauliche und", F_FOREIGN}, {"nicht der richtige adressat", F_RCPT},
	{"irrt\xc3\xbcmlich erhalten", F_ERROR},
	{"par erreur", F_ERROR}, {"destinataire", F_RCPT},
	{"export control", F_EXPORT}, {"export administration regulations",
	    F_EXPORT}, {"entity list", F_EXPORT}, {"export license", F_EXPORT},
};

struct hit {
	uint32_t nb;			/* non-blank line number (window unit) */
	uint32_t line;			/* index into the text */
	int fam, strong;
};

struct scan {
	char *norm;
	size_t len, cap;
	uint32_t *start;		/* norm offset of each scanned line */
	uint32_t *line;			/* text index of each scanned line */
	size_t n;
	struct hit hits[MAX_HITS];
	size_t nhits;
};

typedef int (*line_pick)(const struct lint_line *l);

/* The quote model (lint_quote.c) decides: own text and signature, and
 * the footer below an unmarked original; cited blocks are nobody's. */
static int pick_own(const struct lint_line *l)
{
	return ((l->cls == LC_T || l->cls == LC_S) &&
	    !(l->flags & LF_CITED)) || (l->flags & LF_OWNTAIL);
}

static int pick_quoted(const struct lint_line *l)
{
	return l->cls == LC_Q && !(l->flags & LF_CITED);
}

static void put_norm(struct scan *sc, const char *s, size_t n)
{
	for (size_t i = 0; i < n && sc->len + 2 < sc->cap; i++) {
		char c = s[i];

		if (c == '\t' || c == ' ' || c == '\r') {
			if (sc->len > 0 && sc->norm[sc->len - 1] != ' ')
				sc->norm[sc->len++] = ' ';
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if ((c == 'e' || c == 'E') && i + 1 < n && s[i + 1] == '-' &&
		    lint_str_iprefix(s + i, n - i, "e-mail")) {
			sc->norm[sc->len++] = 'e';
			i++;	/* drop the hyphen */
			continue;
		}
		sc->norm[sc->len++] = c;
	}
	if (sc->len > 0 && sc->norm[sc->len - 1] != ' ' && sc->len + 1 < sc->cap)
		sc->norm[sc->len++] = ' ';
}

/* Strip quote markers from a Q line. */
static const char *unquote(const char *s, size_t *n)
{
	while (*n > 0 && (*s == '>' || *s == ' ')) {
		s++;
		(*n)--;
	}
	return s;
}

static int build(struct scan *sc, const struct lint_text *t, line_pick pick)
{
	size_t total = 0;

	for (size_t i = 0; i < t->n; i++)
		if (pick(&t->v[i]))
			total += t->v[i].len + 1;
	sc->cap = (total < NORM_MAX ? total : NORM_MAX) + 4;
	sc->norm = malloc(sc->cap);
	sc->start = malloc((t->n + 1) * sizeof(uint32_t));
	sc->line = malloc((t->n + 1) * sizeof(uint32_t));
	if (!sc->norm || !sc->start || !sc->line)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len;

		if (!pick(&t->v[i]))
			continue;
		if (t->v[i].cls == LC_Q)
			s = unquote(s, &n);
		if (lint_str_blank(s, n))
			continue;
		sc->start[sc->n] = (uint32_t)sc->len;
		sc->line[sc->n++] = (uint32_t)i;
		put_norm(sc, s, n);
	}
	return 0;
}

static size_t scanned_index(const struct scan *sc, size_t off)
{
	size_t lo = 0, hi = sc->n;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (sc->start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static void add_hit(struct scan *sc, size_t off, int fam, int strong)
{
	size_t k;

	if (sc->nhits >= MAX_HITS || sc->n == 0)
		return;
	k = scanned_index(sc, off);
	sc->hits[sc->nhits].nb = (uint32_t)k;
	sc->hits[sc->nhits].line = sc->line[k];
	sc->hits[sc->nhits].fam = fam;
	sc->hits[sc->nhits++].strong = strong;
}

static int before_has(const struct scan *sc, size_t off, size_t span,
    const char *what)
{
	size_t b = off > span ? off - span : 0;

	return lint_str_find(sc->norm + b, off - b, what) != NULL;
}

/* Strong forms of the error family: "received this ... in error" and
 * "notify the sender ... delete" within one sentence. */
static int strong_error(const struct scan *sc, size_t off, const char *ph)
{
	if (ph[0] == 'i' || ph[0] == 'b')
		return (before_has(sc, off, 60, "receiv") ||
		    before_has(sc, off, 30, "reached you") ||
		    before_has(sc, off, 30, "sent to you") ||
		    before_has(sc, off, 30, "delivered to you")) &&
		    (before_has(sc, off, 50, "this") ||
		    before_has(sc, off, 4, "it "));
	if (lint_str_find(ph, strlen(ph), "sender")) {
		size_t end = off;

		while (end < sc->len && end < off + 200 && sc->norm[end] != '.')
			end++;
		return lint_str_find(sc->norm + off, end - off, "delete") ||
		    lint_str_find(sc->norm + off, end - off, "destroy") ||
		    lint_str_find(sc->norm + off, end - off, "erase");
	}
	return 0;
}

/* "in error" and "by mistake" are everyday words in technical mail
 * ("returns in error", "sent v2 by mistake"): they count only when they
 * speak about a message. */
static int about_message(const struct scan *sc, size_t at)
{
	return before_has(sc, at, 50, "this") &&
	    (before_has(sc, at, 50, "mail") || before_has(sc, at, 50, "message") ||
	    before_has(sc, at, 50, "communication") ||
	    before_has(sc, at, 50, "transmission"));
}

static void match_at(struct scan *sc, size_t at, const struct phrase *ph,
    size_t k)
{
	int strong;

	if (at + k > sc->len || sc->norm[at + 1] != ph->s[1] ||
	    memcmp(sc->norm + at, ph->s, k) != 0)
		return;
	strong = ph->fam == F_ERROR && strong_error(sc, at, ph->s);
	if (!strong && (strcmp(ph->s, "in error") == 0 ||
	    strcmp(ph->s, "by mistake") == 0) && !about_message(sc, at))
		return;
	add_hit(sc, at, ph->fam, strong);
}

/* One pass over the text: at each word start, try the phrases that begin
 * with that byte (an index built per call: no global state).  Phrases
 * that may sit inside unspaced CJK text are searched on their own. */
/* One pass over the text: at each word start, try only the phrases that
 * begin with that letter (an index built per call: no global state).
 * Phrases that may sit inside unspaced CJK text are searched on their own. */
static void find_phrases(struct scan *sc)
{
	enum { NPH = sizeof(phrases) / sizeof(phrases[0]), PER = 32 };
	unsigned char idx[26][PER], cnt[26] = {0};
	size_t len[NPH];
	int nonascii = 0;

	for (size_t p = 0; p < NPH; p++) {
		unsigned c = (unsigned char)phrases[p].s[0] - 'a';

		len[p] = strlen(phrases[p].s);
		if (c < 26 && cnt[c] < PER)
			idx[c][cnt[c]++] = (unsigned char)p;
	}
	for (size_t i = 0; i < sc->len; i++) {
		unsigned c = (unsigned char)sc->norm[i];

		nonascii |= c >= 0x80;
		if ((i > 0 && sc->norm[i - 1] != ' ') || c < 'a' || c > 'z')
			continue;
		for (unsigned k = 0; k < cnt[c - 'a'] && sc->nhits < MAX_HITS; k++)
			match_at(sc, i, &phrases[idx[c - 'a'][k]],
			    len[idx[c - 'a'][k]]);
	}
	for (size_t p = 0; nonascii && p < NPH; p++) {
		const char *ph = phrases[p].s, *hit;
		size_t off = 0, k = strlen(ph);

		if ((unsigned char)ph[0] < 0x80)
			continue;
		while (off < sc->len && (hit = memmem(sc->norm + off,
		    sc->len - off, ph, k)) != NULL) {
			add_hit(sc, (size_t)(hit - sc->norm), phrases[p].fam, 0);
			off = (size_t)(hit - sc->norm) + k;
		}
	}
}

static int banner(const char *s, size_t n)
{
	size_t words = 1;

	n = lint_str_rtrim(s, n);
	while (n > 0 && (*s == '*' || *s == ' ')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == '*' || s[n - 1] == ' '))
		n--;
	if (n < 4 || n > 80)
		return 0;
	if (s[0] == '[' && s[n - 1] == ']' && (lint_str_find(s, n, "Use Only") ||
	    lint_str_find(s, n, "Internal") || lint_str_ifind(s, n, "confidential")))
		return 1;
	if (lint_str_iprefix(s, n, "::disclaimer") ||
	    lint_str_iprefix(s, n, "disclaimer:") ||
	    lint_str_iprefix(s, n, "important notice:") ||
	    lint_str_find(s, n, "Business Use Only") ||
	    lint_str_find(s, n, "Internal Use - Confidential"))
		return 1;
	for (size_t i = 0; i < n; i++)
		words += s[i] == ' ';
	return words <= 4 && (lint_str_isuffix(s, n, " PROPRIETARY") ||
	    lint_str_isuffix(s, n, " CONFIDENTIAL") ||
	    lint_str_isuffix(s, n, " Confidential") ||
	    lint_str_isuffix(s, n, " Proprietary"));
}

/* Banners count among the first and last few non-blank scanned lines. */
static void find_banners(struct scan *sc, const struct lint_text *t)
{
	for (size_t k = 0; k < sc->n; k++) {
		size_t i = sc->line[k];
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len;

		if (k >= 5 && k + 5 < sc->n)
			continue;
		if (t->v[i].cls == LC_Q)
			s = unquote(s, &n);
		if (banner(s, n))
			add_hit(sc, sc->start[k], F_BANNER, 0);
	}
}

/* Index of a hit that decides, or -1. */
static long decide(const struct scan *sc)
{
	for (size_t i = 0; i < sc->nhits; i++) {
		if (sc->hits[i].strong)
			return (long)i;
		for (size_t j = 0; j < sc->nhits; j++) {
			uint32_t a = sc->hits[i].nb, b = sc->hits[j].nb;

			if (sc->hits[j].fam != sc->hits[i].fam &&
			    (a > b ? a - b : b - a) < WINDOW)
				return (long)(i < j ? i : j);
		}
	}
	return -1;
}

/* Flag the disclaimer so the reply rules ignore it: from the start of the
 * paragraph of the first hit to the end of the own text after the last
 * quote, or to the end of that paragraph when text follows. */
static void flag_lines(struct lint_text *t, size_t first)
{
	size_t b = first, last_q = 0, e;
	int any_q = 0;

	while (b > 0 && (t->v[b - 1].cls == LC_T || t->v[b - 1].cls == LC_S))
		b--;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].cls == LC_Q || t->v[i].cls == LC_O) {
			last_q = i;
			any_q = 1;
		}
	e = first;
	if (any_q && first > last_q)
		e = t->n;
	else
		while (e < t->n && (t->v[e].cls == LC_T || t->v[e].cls == LC_S))
			e++;
	for (size_t i = b; i < e; i++)
		if (t->v[i].cls == LC_T || t->v[i].cls == LC_S)
			t->v[i].flags |= LF_DISCL;
}

static void scan_free(struct scan *sc)
{
	free(sc->norm);
	free(sc->start);
	free(sc->line);
}

/* Run the detector over the lines pick() selects; returns the text index
 * of the deciding hit, -1 when nothing fires, -2 on allocation failure. */
static long detect(struct lint_text *t, line_pick pick)
{
	struct scan *sc = calloc(1, sizeof(*sc));
	long h, r = -1;

	if (!sc)
		return -2;
	if (build(sc, t, pick) != 0) {
		scan_free(sc);
		free(sc);
		return -2;
	}
	find_phrases(sc);
	find_banners(sc, t);
	h = decide(sc);
	if (h >= 0)
		r = (long)sc->hits[h].line;
	scan_free(sc);
	free(sc);
	return r;
}

/* Other inline text/plain parts (a gateway may add its notice as a part
 * of its own); list footers in them are skipped. */
static void other_parts(struct lint_msg *m)
{
	for (size_t i = 0; i < m->nparts; i++) {
		const struct lint_part *p = &m->parts[i];
		struct lint_text t = {0};
		long r = -1;

		if ((int)i == m->body || !p->leaf || p->attachment ||
		    p->in_message || p->filename[0] ||
		    strcmp(p->type, "text/plain") != 0)
			continue;
		if (lint_lines_load(m, p, &t) == 0) {
			lint_footer_mark(&t);
			r = detect(&t, pick_own);
			if (r >= 0)
				lint_emit(m, "disclaimer", NULL, LINT_ERROR, 0,
				    t.v[r].lineno, 0, "confidentiality notice "
				    "or disclaimer in a text part");
		} else
			m->oom = 1;
		lint_text_free(&t);
		if (m->oom || r >= 0)
			return;
	}
}

void rule_disclaimer_run(struct lint_msg *m)
{
	struct lint_text *t = &m->text;
	long r = detect(t, pick_own);

	if (r == -2) {
		m->oom = 1;
		return;
	}
	if (r >= 0) {
		flag_lines(t, (size_t)r);
		lint_emit(m, "disclaimer", NULL, LINT_ERROR, 0, t->v[r].lineno,
		    0, "confidentiality notice or disclaimer in your text");
	} else
		other_parts(m);
	r = detect(t, pick_quoted);
	if (r == -2)
		m->oom = 1;
	else if (r >= 0)
		lint_emit(m, "quoted-disclaimer", NULL, LINT_WARNING, 0,
		    t->v[r].lineno, 0, "someone else's disclaimer left in the "
		    "quote; trim it");
}
