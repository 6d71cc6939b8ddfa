/*
 * The series tag of a subject: "[PATCH v3 net-next 2/7] title" -> k = 2,
 * n = 7, prefix "patch v3 net-next", title "title".  Shared by sendmail
 * (membership), the runner and mailq (is a newer copy the same series?).
 * Pure and bounded; anything unusual means "not a series member".
 */
#include "spool/spool_int.h"

#include <string.h>

#include "util/parse.h"

#define TAG_GROUPS_MAX	4	/* "[RFC][PATCH 2/3]": bracket groups read */
#define TAG_GROUP_LEN	128	/* longest bracket group */

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* "k/n" with 1-3 digits each; 1 when tok is one. */
static int parse_kn(const char *tok, size_t len, unsigned *k, unsigned *n)
{
	const char *slash = memchr(tok, '/', len);
	uint64_t a, b;

	if (slash == NULL || slash == tok || (size_t)(slash - tok) > 3 ||
	    len - (size_t)(slash - tok) - 1 > 3 ||
	    parse_uint(tok, (size_t)(slash - tok), 0, 999, &a) < 0 ||
	    parse_uint(slash + 1, len - (size_t)(slash - tok) - 1, 0, 999,
	    &b) < 0)
		return 0;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return 1;
}

/* Append a word to the prefix, lower-cased, one space between words. */
static void add_word(struct series_tag *t, const char *w, size_t len)
{
	size_t at = strlen(t->prefix), i;

	if (at + (at > 0) + len >= sizeof(t->prefix))
		return;		/* bounded: a long tag keeps its start */
	if (at > 0)
		t->prefix[at++] = ' ';
	for (i = 0; i < len; i++) {
		char c = w[i];

		t->prefix[at++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	t->prefix[at] = '\0';
}

/* One "[...]" group starting at s[0] == '['; returns its length or 0. */
static size_t one_group(const char *s, size_t len, struct series_tag *t,
    int *found)
{
	const char *end = memchr(s, ']', len < TAG_GROUP_LEN ? len :
	    TAG_GROUP_LEN);
	const char *p = s + 1, *w;

	if (end == NULL)
		return 0;
	while (p < end) {
		while (p < end && is_space(*p))
			p++;
		w = p;
		while (p < end && !is_space(*p))
			p++;
		if (p == w)
			break;
		if (parse_kn(w, (size_t)(p - w), &t->k, &t->n))
			*found = 1;
		else
			add_word(t, w, (size_t)(p - w));
	}
	return (size_t)(end - s) + 1;
}

int series_tag_parse(const char *subj, size_t len, struct series_tag *t)
{
	size_t pos = 0, g, groups;
	int found = 0;

	memset(t, 0, sizeof(*t));
	while (pos < len && is_space(subj[pos]))
		pos++;
	for (groups = 0; groups < TAG_GROUPS_MAX && pos < len &&
	    subj[pos] == '['; groups++) {
		g = one_group(subj + pos, len - pos, t, &found);
		if (g == 0)
			return 0;
		pos += g;
		while (pos < len && is_space(subj[pos]))
			pos++;
	}
	/* A reply ("Re: [PATCH 2/3]") never starts with '['; a single patch
	 * has no k/n or n = 1; k > n is not a position. */
	if (!found || t->n < 2 || t->n > SPOOL_SERIES_MAX || t->k > t->n)
		return 0;
	t->title = subj + pos;
	t->title_len = len - pos;
	while (t->title_len > 0 && is_space(t->title[t->title_len - 1]))
		t->title_len--;
	return 1;
}

int series_tag_is_patch(const char *subj, size_t len)
{
	struct series_tag t;
	const char *p;
	size_t i;

	if (series_tag_parse(subj, len, &t))
		return 1;
	/* Also a single patch: a leading bracket tag with PATCH in it. */
	for (i = 0; i < len && is_space(subj[i]); i++)
		;
	if (i >= len || subj[i] != '[')
		return 0;
	p = memchr(subj + i, ']', len - i < TAG_GROUP_LEN ? len - i :
	    TAG_GROUP_LEN);
	return p != NULL && memmem(subj + i, (size_t)(p - subj - i),
	    "PATCH", 5) != NULL;
}
