/*
 * Address sets for the recipient rules: every To/Cc/From field of a header
 * (all of them, each as long as it is), parsed with libetpan's address-list
 * parser so comments, groups and quoted names are read as RFC 5322 says.
 * A field the parser refuses is scanned for anything address-shaped and
 * the set is marked uncertain: callers then never conclude "no list".
 */
#include "lint/lint_int.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_MAX_LEN 320		/* longer is not an address we compare */

int lint_addr_add(struct lint_addrs *a, const char *s, size_t n)
{
	char *c;

	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '<')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '>' ||
	    s[n - 1] == ',' || s[n - 1] == ';'))
		n--;
	if (n == 0 || n > ADDR_MAX_LEN || !memchr(s, '@', n))
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	if (!(c = malloc(n + 1)))
		return -1;
	for (size_t i = 0; i < n; i++)
		c[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	c[n] = '\0';
	a->v[a->n++] = c;
	return 0;
}

static int add_mailbox(struct lint_addrs *a, const struct mailimf_mailbox *mb)
{
	return mb && mb->mb_addr_spec ?
	    lint_addr_add(a, mb->mb_addr_spec, strlen(mb->mb_addr_spec)) : 0;
}

static int add_mailboxes(struct lint_addrs *a, const clist *l)
{
	for (clistiter *it = l ? clist_begin(l) : NULL; it; it = clist_next(it))
		if (add_mailbox(a, clist_content(it)) != 0)
			return -1;
	return 0;
}

static int add_parsed(struct lint_addrs *a, const struct mailimf_address_list *al)
{
	for (clistiter *it = clist_begin(al->ad_list); it; it = clist_next(it)) {
		const struct mailimf_address *ad = clist_content(it);
		int rc = 0;

		if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX)
			rc = add_mailbox(a, ad->ad_data.ad_mailbox);
		else if (ad->ad_data.ad_group && ad->ad_data.ad_group->grp_mb_list)
			rc = add_mailboxes(a,
			    ad->ad_data.ad_group->grp_mb_list->mb_list);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* What the parser refused: take every word with an '@' (inside <> or
 * not).  It may hold names too, so the set becomes uncertain. */
static int add_scanned(struct lint_addrs *a, const char *v, size_t n)
{
	size_t i = 0;

	a->uncertain = 1;
	while (i < n) {
		size_t b;

		while (i < n && strchr(" \t,;<>()\"", v[i]))
			i++;
		b = i;
		while (i < n && !strchr(" \t,;<>()\"", v[i]))
			i++;
		if (i > b && lint_addr_add(a, v + b, i - b) != 0)
			return -1;
	}
	return 0;
}

/* Only blanks and (nested) comments: libetpan leaves a comment after the
 * last address unread ("bob@x.org (maintainer:WIDGET)"). */
static int only_cfws(const char *s, size_t n)
{
	size_t depth = 0;

	for (size_t i = 0; i < n; i++) {
		if (depth > 0 && s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && depth > 0)
			depth--;
		else if (depth == 0 && s[i] != ' ' && s[i] != '\t')
			return 0;
	}
	return depth == 0;
}

int lint_addr_parse(struct lint_addrs *a, const char *v, size_t n)
{
	struct mailimf_address_list *al = NULL;
	size_t idx = 0;
	int rc;

	if (mailimf_address_list_parse(v, n, &idx, &al) == MAILIMF_NO_ERROR &&
	    al && only_cfws(v + idx, n - idx)) {
		rc = add_parsed(a, al);
		mailimf_address_list_free(al);
		return rc;
	}
	if (al)
		mailimf_address_list_free(al);
	return lint_str_blank(v, n) ? 0 : add_scanned(a, v, n);
}

/* Length of the field starting at h (its continuation lines included). */
static size_t field_len(const char *h, size_t hl)
{
	size_t i = 0;

	do {
		const char *nl = memchr(h + i, '\n', hl - i);

		i = nl ? (size_t)(nl - h) + 1 : hl;
	} while (i < hl && (h[i] == ' ' || h[i] == '\t'));
	return i;
}

/* One field value unfolded (line ends become blanks), then parsed. */
static int parse_field(struct lint_addrs *a, const char *v, size_t n)
{
	char *u = malloc(n + 1);
	int rc;

	if (!u)
		return -1;
	for (size_t i = 0; i < n; i++)
		u[i] = (v[i] == '\r' || v[i] == '\n') ? ' ' : v[i];
	u[n] = '\0';
	rc = lint_addr_parse(a, u, n);
	free(u);
	return rc;
}

int lint_addr_from_header(struct lint_addrs *a, const char *h, size_t hl,
    const char *name)
{
	size_t k = strlen(name), i = 0;

	if (hl > LINT_MAX_HDR_BYTES) {
		hl = LINT_MAX_HDR_BYTES;	/* the rest is not read */
		a->uncertain = 1;
	}
	while (i < hl) {
		size_t fl = field_len(h + i, hl - i);

		if (fl > k && h[i + k] == ':' && lint_str_iprefix(h + i, fl, name) &&
		    parse_field(a, h + i + k + 1, fl - k - 1) != 0)
			return -1;
		i += fl;
	}
	return 0;
}

static int cmp_addr(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

void lint_addr_finish(struct lint_addrs *a)
{
	size_t w = 0;

	if (a->n == 0)
		return;
	qsort(a->v, a->n, sizeof(*a->v), cmp_addr);
	for (size_t i = 1; i < a->n; i++) {
		if (strcmp(a->v[i], a->v[w]) == 0)
			free(a->v[i]);
		else
			a->v[++w] = a->v[i];
	}
	a->n = w + 1;
}

int lint_addr_has(const struct lint_addrs *a, const char *s)
{
	return a->n > 0 &&
	    bsearch(&s, a->v, a->n, sizeof(*a->v), cmp_addr) != NULL;
}

void lint_addr_free(struct lint_addrs *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}
