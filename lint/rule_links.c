/*
 * code-link (off by default, docs/LINT-RULES.md): links to a file in a
 * web code viewer (elixir, cgit, gitweb, GitHub and GitLab blob/tree
 * views, googlesource, sourcegraph) and to kernel commit views, in the
 * sender's new text.  Labelled reference lines, branch and directory
 * views and other projects' commits pass.
 */
#include "lint/lint_int.h"

#include <string.h>

enum { LK_NONE, LK_CODE, LK_COMMIT };

static int has(const char *u, size_t n, const char *what)
{
	return lint_str_ifind(u, n, what) != NULL;
}

/* The last path segment names a file ("core.c", "Makefile" with a line
 * anchor): a tree view of a branch or directory is a pointer to a branch
 * to pull, not to code. */
static int names_file(const char *u, size_t n)
{
	const char *q = memchr(u, '?', n), *h = memchr(u, '#', n);
	size_t e = n, b;

	if (h && (h[1] == 'L' || h[1] == 'n') && h + 2 < u + n &&
	    h[2] >= '0' && h[2] <= '9')
		return 1;
	if (q && (size_t)(q - u) < e)
		e = (size_t)(q - u);
	if (h && (size_t)(h - u) < e)
		e = (size_t)(h - u);
	while (e > 0 && u[e - 1] == '/')
		e--;
	for (b = e; b > 0 && u[b - 1] != '/'; b--)
		;
	return memchr(u + b, '.', e - b) != NULL;
}

static int classify_url(const char *u, size_t n)
{
	int commit = has(u, n, "/commit/") || has(u, n, "a=commit") ||
	    has(u, n, "/commit?") || has(u, n, "/-/commit/");
	int kernel = has(u, n, "git.kernel.org/");

	if (has(u, n, "elixir.bootlin.com/") || has(u, n, "://lxr.") ||
	    has(u, n, "sourcegraph.com/") || has(u, n, "cs.android.com/"))
		return LK_CODE;
	if (has(u, n, "-review.") || has(u, n, "/review."))
		return LK_NONE;	/* a code review, not a code viewer */
	/* commit views: only the kernel's own tree has the
	 * 'commit <sha> ("subject")' convention to use instead */
	if (commit)
		return kernel ? LK_COMMIT : LK_NONE;
	if ((kernel || has(u, n, "github.com/") || has(u, n, "gitlab.") ||
	    has(u, n, "/cgit/") || has(u, n, "googlesource.com/")) &&
	    (has(u, n, "/tree/") || has(u, n, "/blob/") ||
	    has(u, n, "/plain/") || has(u, n, "/+/")) && names_file(u, n))
		return LK_CODE;
	if ((has(u, n, "gitweb.cgi") || has(u, n, "a=blob")) &&
	    has(u, n, "f="))
		return LK_CODE;
	return LK_NONE;
}

static int url_end(char c)
{
	return c == ' ' || c == '\t' || c == '>' || c == '"' || c == ')' ||
	    c == ']' || c == '<';
}

/* "Link:", "Closes:", and any short label before the URL ("url:",
 * "base:", "patch link:" in the test robot's report): a reference line
 * that points at the thing itself, not prose about code. */
static int link_trailer(const char *s, size_t n)
{
	const char *c = memchr(s, ':', n), *u = lint_str_find(s, n, "://");
	size_t words = 1;

	if (!c || !u || c >= u)
		return 0;
	for (const char *p = s; p < c; p++)
		words += *p == ' ' && p > s && p[-1] != ' ';
	if (words > 3 || (size_t)(c - s) > 24 || c[1] != ' ')
		return 0;
	for (c++; c < u && (*c == ' ' || *c == '<'); c++)
		;
	while (c < u && *c >= 'a' && *c <= 'z')
		c++;		/* the scheme */
	return c == u;	/* nothing but the URL after the label */
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

	if (!lint_msg_rule_on(m, "code-link"))
		return;
	for (size_t i = 0; i < t->n; i++) {
		const struct lint_line *l = &t->v[i];
		const char *s = lint_line_ptr(t, i);

		if (l->cls != LC_T || (l->flags & LF_DISCL) ||
		    link_trailer(s, l->len))
			continue;
		scan_line(m, l, s);
	}
}
