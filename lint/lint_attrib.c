/*
 * Reply-structure markers recognised on single lines or short blocks:
 * attribution lines ("On ... wrote:" and its translations), Outlook header
 * blocks and "Original Message" separators (originals quoted without '>'),
 * davem-style From:/Date: pairs, forward markers.  Pure pattern tests, no
 * state.
 */
#include "lint/lint_int.h"

#include <string.h>

static size_t trim_len(const char *s, size_t n)
{
	return lint_str_rtrim(s, n);
}

int lint_attrib_wrote_tail(const char *s, size_t n)
{
	n = trim_len(s, n);
	if (n == 6 && memcmp(s, "wrote:", 6) == 0)
		return 1;	/* "On ... <addr>" / "wrote:" split by a client */
	return lint_str_isuffix(s, n, " wrote:") ||
	    lint_str_isuffix(s, n, " writes:") ||
	    lint_str_isuffix(s, n, " wrote :") ||
	    lint_str_isuffix(s, n, "a \xc3\xa9" "crit :") ||
	    lint_str_isuffix(s, n, "a \xc3\xa9" "crit:") ||
	    lint_str_isuffix(s, n, "\xe5\x86\x99\xe9\x81\x93:") ||
	    lint_str_isuffix(s, n, "\xe5\x86\x99\xe9\x81\x93\xef\xbc\x9a");
}

static int ends_colon(const char *s, size_t n)
{
	n = trim_len(s, n);
	return n > 0 && s[n - 1] == ':';
}

/* One-line attribution forms (class A in docs/LINT-RULES.md). */
int lint_attrib_line(const char *s, size_t n)
{
	n = trim_len(s, n);
	if (n < 6 || n > 400 || s[0] == '>')
		return 0;
	if (lint_attrib_wrote_tail(s, n))
		return 1;
	if (!ends_colon(s, n))
		return 0;
	if (lint_str_prefix(s, n, "Quoting ") ||
	    (lint_str_prefix(s, n, "* ") && lint_str_isuffix(s, n, "]:")))
		return 1;
	if (lint_str_prefix(s, n, "Am ") && lint_str_find(s, n, " schrieb"))
		return 1;
	if (lint_str_prefix(s, n, "Op ") && lint_str_find(s, n, " schreef"))
		return 1;
	if (lint_str_prefix(s, n, "W dniu ") && lint_str_find(s, n, "napisa"))
		return 1;
	return 0;
}

/* "-----Original Message-----" and translations; also a long '_' rule
 * (Outlook puts one above its From:/Sent: block). */
int lint_attrib_original(const char *s, size_t n)
{
	size_t i = 0;

	n = trim_len(s, n);
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '-') {
		const char *p = s + i;
		size_t k = n - i;

		return lint_str_ifind(p, k, "original message") ||
		    lint_str_ifind(p, k, "original-nachricht") ||
		    lint_str_ifind(p, k, "urspr\xc3\xbc" "ngliche nachricht") ||
		    lint_str_ifind(p, k, "message d'origine");
	}
	return 0;
}

int lint_attrib_forward(const char *s, size_t n)
{
	n = trim_len(s, n);
	if (lint_str_prefix(s, n, "Begin forwarded message:"))
		return 1;
	return n > 8 && s[0] == '-' && lint_str_ifind(s, n, "forwarded message");
}

/* Strip Markdown-ish emphasis that HTML-to-text conversion leaves
 * ("*From:* x"). */
static const char *skip_star(const char *s, size_t *n)
{
	while (*n > 0 && (*s == '*' || *s == ' ')) {
		s++;
		(*n)--;
	}
	return s;
}

/* Header labels of quoted originals in the languages seen on lists:
 * English, German, French, Spanish, Portuguese, Italian, Dutch, Chinese
 * (simplified and traditional), Japanese. */
static const char *const lbl_from[] = {
	"from:", "von:", "de:", "de :", "da:", "van:",
	"\xe5\x8f\x91\xe4\xbb\xb6\xe4\xba\xba",
	"\xe5\xaf\x84\xe4\xbb\xb6\xe8\x80\x85",
	"\xe5\xb7\xae\xe5\x87\xba\xe4\xba\xba", NULL
};

static const char *const lbl_sent[] = {
	"sent:", "date:", "gesendet:", "datum:", "envoy\xc3\xa9 :",
	"envoy\xc3\xa9:", "enviado:", "enviada em:", "inviato:", "data:",
	"verzonden:",
	"\xe5\x8f\x91\xe9\x80\x81\xe6\x97\xb6\xe9\x97\xb4",
	"\xe5\xaf\x84\xe4\xbb\xb6\xe6\x97\xa5\xe6\x9c\x9f",
	"\xe9\x80\x81\xe4\xbf\xa1\xe6\x97\xa5\xe6\x99\x82",
	"\xe6\x97\xa5\xe6\x9c\x9f", "\xe6\x99\x82\xe9\x96\x93",
	"\xe6\x97\xa5\xe4\xbb\x98", NULL
};

static const char *const lbl_other[] = {
	"to:", "cc:", "subject:", "an:", "betreff:", "objet :", "objet:",
	"\xc3\xa0 :", "para:", "asunto:", "assunto:", "a:", "oggetto:",
	"aan:", "onderwerp:",
	"\xe6\x94\xb6\xe4\xbb\xb6\xe4\xba\xba",
	"\xe6\x94\xb6\xe4\xbb\xb6\xe8\x80\x85",
	"\xe6\x8a\x84\xe9\x80\x81", "\xe5\x89\xaf\xe6\x9c\xac",
	"\xe4\xb8\xbb\xe9\xa2\x98", "\xe4\xb8\xbb\xe6\x97\xa8",
	"\xe5\xae\x9b\xe5\x85\x88", "\xe4\xbb\xb6\xe5\x90\x8d", NULL
};

static int label(const char *s, size_t n, const char *const *tab)
{
	size_t head;

	s = skip_star(s, &n);
	/* Every header label is followed by ':' or a full-width colon soon
	 * after; most body lines have neither, so skip the tables for them. */
	head = n < 48 ? n : 48;
	if (!memchr(s, ':', head) && !lint_str_find(s, head, "\xef\xbc\x9a"))
		return 0;
	for (size_t i = 0; tab[i]; i++)
		if (lint_str_iprefix(s, n, tab[i]))
			return 1;
	return 0;
}

static int hdr_from(const char *s, size_t n)
{
	return label(s, n, lbl_from);
}

static int hdr_sent(const char *s, size_t n)
{
	return label(s, n, lbl_sent);
}

static int hdr_other(const char *s, size_t n)
{
	return label(s, n, lbl_other);
}

/* An Outlook-style header block starting at line i ("From:" then
 * "Sent:"/"Date:" and "To:"/"Subject:" within 5 lines).  Returns the
 * number of lines in the block, 0 when line i does not start one. */
size_t lint_attrib_outlook(const struct lint_text *t, size_t i)
{
	size_t end = i + 6 < t->n ? i + 6 : t->n, last = 0;
	int sent = 0, other = 0;

	if (!hdr_from(lint_line_ptr(t, i), t->v[i].len))
		return 0;
	for (size_t j = i + 1; j < end; j++) {
		const char *s = lint_line_ptr(t, j);
		size_t n = t->v[j].len;

		if (hdr_sent(s, n))
			sent = 1;
		else if (hdr_other(s, n))
			other = 1;
		else if (lint_str_blank(s, n) && sent && other)
			break;
		else
			continue;
		last = j;
	}
	return sent && other ? last - i + 1 : 0;
}

/* A davem-style "From: Name <addr>" / "Date: ..." pair (either order) with
 * only blank lines between it and a '>' quote: an attribution.  Returns 2
 * when lines i and i + 1 form one, else 0. */
size_t lint_attrib_hdr_pair(const struct lint_text *t, size_t i)
{
	const char *a, *b;
	size_t j;

	if (i + 2 >= t->n)
		return 0;
	a = lint_line_ptr(t, i);
	b = lint_line_ptr(t, i + 1);
	if (!(hdr_from(a, t->v[i].len) && hdr_sent(b, t->v[i + 1].len)) &&
	    !(hdr_sent(a, t->v[i].len) && hdr_from(b, t->v[i + 1].len)))
		return 0;
	for (j = i + 2; j < t->n && j < i + 4 && t->v[j].cls == LC_E; j++)
		;
	return j < t->n && t->v[j].cls == LC_Q ? 2 : 0;
}
