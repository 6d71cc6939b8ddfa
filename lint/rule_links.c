/*
 * code-link: links to web code viewers (elixir, cgit, gitweb, GitHub and
 * GitLab blob/tree views, googlesource, sourcegraph) in the sender's new
 * text, where naming the file and function (or "commit <sha> ("subject")")
 * would survive.  Link:/Closes: trailers and lore/patch.msgid links pass.
 */
#include "lint/lint_int.h"

#include <string.h>

enum { LK_NONE, LK_CODE, LK_COMMIT };

static int has(const char *u, size_t n, const char *what)
{
	return lint_str_ifind(u, n, what) != NULL;
}

static int classify_url(const char *u, size_t n)
{
	int commit = has(u, n, "/commit/") || has(u, n, "a=commit") ||
	    has(u, n, "/commit?") || has(u, n, "/-/commit/");

	if (has(u, n, "elixir.bootlin.com/") || has(u, n, "://lxr.") ||
	    has(u, n, "sourcegraph.com/") || has(u, n, "cs.android.com/") ||
	    has(u, n, "gitweb.cgi") || has(u, n, "a=blob") ||
	    has(u, n, "a=tree"))
		return LK_CODE;
	if (has(u, n, "git.kernel.org/") && (has(u, n, "/tree/") ||
	    has(u, n, "/blob/") || has(u, n, "/plain/")))
		return LK_CODE;
	if ((has(u, n, "github.com/") || has(u, n, "gitlab.")) &&
	    (has(u, n, "/blob/") || has(u, n, "/tree/")))
		return LK_CODE;
	if (has(u, n, "-review.") || has(u, n, "/review."))
		return LK_NONE;	/* a code review, not a code viewer */
	if (has(u, n, "googlesource.com/") && has(u, n, "/+/"))
		return commit ? LK_COMMIT : LK_CODE;
	if (has(u, n, "/cgit/"))
		return commit ? LK_COMMIT : LK_CODE;
	if (commit && (has(u, n, "git.kernel.org/") || has(u, n, "github.com/") ||
	    has(u, n, "gitlab.")))
		return LK_COMMIT;
	return LK_NONE;
}

static int url_end(char c)
{
	return c == ' ' || c == '\t' || c == '>' || c == '"' || c == ')' ||
	    c == ']' || c == '<';
}

static int link_trailer(const char *s, size_t n)
{
	return lint_str_iprefix(s, n, "link:") ||
	    lint_str_iprefix(s, n, "closes:") ||
	    lint_str_iprefix(s, n, "buglink:");
}

static void scan_line(struct lint_msg *m, const struct lint_line *l,
    const char *s)
{
	size_t n = l->len, i = 0;

	while (i < n) {
		const char *p = lint_str_find(s + i, n - i, "://");
		size_t b, e, col;
		int kind;

		if (!p)
			return;
		b = (size_t)(p - s);
		while (b > 0 && !url_end(s[b - 1]) && s[b - 1] != '(')
			b--;
		for (e = (size_t)(p - s) + 3; e < n && !url_end(s[e]); e++)
			;
		kind = classify_url(s + b, e - b);
		col = lint_width(s, b) + 1;
		if (kind == LK_CODE)
			lint_emit(m, "code-link", "code-link", LINT_WARNING, 0,
			    l->lineno, (unsigned)col, "link to a code viewer: "
			    "name the file and function instead");
		else if (kind == LK_COMMIT)
			lint_emit(m, "code-link", "commit-link", LINT_WARNING, 0,
			    l->lineno, (unsigned)col, "link to a commit view: "
			    "write commit <12 hex> (\"subject\") instead");
		i = e > (size_t)(p - s) + 3 ? e : (size_t)(p - s) + 3;
	}
}

void rule_links_run(struct lint_msg *m)
{
	const struct lint_text *t = &m->text;

	for (size_t i = 0; i < t->n; i++) {
		const struct lint_line *l = &t->v[i];
		const char *s = lint_line_ptr(t, i);

		if (l->cls != LC_T || (l->flags & LF_DISCL) ||
		    link_trailer(s, l->len))
			continue;
		scan_line(m, l, s);
	}
}
