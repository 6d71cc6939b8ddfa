/*
 * List-added footers (mailman 2/3, Google Groups, ezmlm, majordomo) at the
 * end of a body: marked class L so that no rule blames the sender for
 * them.  Only the last few lines are examined; quoted copies of footers are
 * left alone (they are the quoted-signature rule's business).
 */
#include "lint/lint_int.h"

#include <string.h>

#define FOOTER_SPAN 16		/* footer start within this many last lines */

static int rule_line(const char *s, size_t n, char c, size_t min)
{
	size_t k = 0;

	n = lint_str_rtrim(s, n);
	while (k < n && s[k] == c)
		k++;
	return k >= min && k == n;
}

static int mailman_block(const struct lint_text *t, size_t i)
{
	size_t end = i + 4 < t->n ? i + 4 : t->n;

	if (!rule_line(lint_line_ptr(t, i), t->v[i].len, '_', 20))
		return 0;
	for (size_t j = i + 1; j < end; j++) {
		const char *s = lint_line_ptr(t, j);
		size_t n = t->v[j].len;

		if (lint_str_ifind(s, n, " mailing list") ||
		    lint_str_ifind(s, n, "mailman/listinfo") ||
		    lint_str_ifind(s, n, "to unsubscribe send an email"))
			return 1;
	}
	return 0;
}

/* Start of a footer at line i, or 0. */
static int footer_start(const struct lint_text *t, size_t i)
{
	const char *s = lint_line_ptr(t, i);
	size_t n = t->v[i].len;

	if (n > 0 && s[0] == '>')
		return 0;
	return mailman_block(t, i) ||
	    lint_str_iprefix(s, n, "You received this message because you are "
	    "subscribed to") ||
	    lint_str_iprefix(s, n, "To unsubscribe, e-mail:") ||
	    lint_str_iprefix(s, n, "To unsubscribe from this list:") ||
	    lint_str_iprefix(s, n, "To unsubscribe from this group");
}

/* Extend a footer upwards over its separator ("-- " of Google Groups, the
 * dashes of ezmlm, the dotted line of majordomo). */
static size_t extend_up(const struct lint_text *t, size_t i)
{
	while (i > 0) {
		const char *s = lint_line_ptr(t, i - 1);
		size_t n = lint_str_rtrim(s, t->v[i - 1].len);

		if (n == 2 && s[0] == '-' && s[1] == '-')
			i--;
		else if (rule_line(s, n, '-', 10) || rule_line(s, n, '=', 10))
			i--;
		else
			break;
	}
	return i;
}

void lint_footer_mark(struct lint_text *t)
{
	size_t from = t->n > FOOTER_SPAN ? t->n - FOOTER_SPAN : 0;

	for (size_t i = from; i < t->n; i++) {
		if (t->v[i].cls == LC_P || !footer_start(t, i))
			continue;
		for (size_t j = extend_up(t, i); j < t->n; j++)
			t->v[j].cls = LC_L;
		return;
	}
}
