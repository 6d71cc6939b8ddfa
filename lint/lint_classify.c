/*
 * Line classes (docs/LINT-RULES.md): patch hunks counted from their @@
 * headers, diffstat, list footer, signature, empty and new text; quotes,
 * attributions, originals and forwards come from the quote model
 * (lint_quote.c).  One pass per concern over the line array; never
 * allocates.  Rules only read the classes.
 */
#include "lint/lint_int.h"

#include <string.h>

struct hunk {
	long old, new;
	int on;
};

static const char *const diff_hdr[] = {
	"index ", "new file mode ", "deleted file mode ", "similarity index ",
	"dissimilarity index ", "rename from ", "rename to ", "copy from ",
	"copy to ", "old mode ", "new mode ", "Binary files ",
	"GIT binary patch", "literal ", "delta ", NULL
};

static int is_diff_hdr(const char *s, size_t n)
{
	for (size_t i = 0; diff_hdr[i]; i++)
		if (lint_str_prefix(s, n, diff_hdr[i]))
			return 1;
	return 0;
}

/* "-a[,b]" or "+c[,d]" at *p; the count defaults to 1. */
static int range(const char *s, size_t n, size_t *p, long *count)
{
	size_t i = *p;
	long v = 0;
	int digits = 0;

	if (i >= n || (s[i] != '-' && s[i] != '+'))
		return -1;
	for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (!digits)
		return -1;
	*count = 1;
	if (i < n && s[i] == ',') {
		digits = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (v < 10000000)
				v = v * 10 + (s[i] - '0');
			digits++;
		}
		if (!digits)
			return -1;
		*count = v;
	}
	*p = i;
	return 0;
}

static int hunk_header(const char *s, size_t n, struct hunk *h)
{
	size_t p = 3;

	if (!lint_str_prefix(s, n, "@@ -"))
		return 0;
	if (range(s, n, &p, &h->old) != 0 || p >= n || s[p] != ' ')
		return 0;
	p++;
	if (range(s, n, &p, &h->new) != 0 || !lint_str_prefix(s + p, n - p, " @@"))
		return 0;
	h->on = h->old > 0 || h->new > 0;
	return 1;
}

/* One line inside a hunk: 1 = consumed, 0 = corrupt (hunk ends). */
static int hunk_line(const char *s, size_t n, struct hunk *h)
{
	char c = n ? s[0] : ' ';

	if (c == ' ') {
		h->old--;
		h->new--;
	} else if (c == '-')
		h->old--;
	else if (c == '+')
		h->new--;
	else if (c != '\\')
		return 0;
	if (h->old <= 0 && h->new <= 0)
		h->on = 0;
	return 1;
}

static int range_diff_start(const char *s, size_t n)
{
	return lint_str_prefix(s, n, "Range-diff against ") ||
	    lint_str_prefix(s, n, "Range-diff:") ||
	    lint_str_prefix(s, n, "Interdiff against ") ||
	    lint_str_prefix(s, n, "Interdiff:");
}

/* A generated range-diff block lasts until a blank line followed by a line
 * that is neither indented nor a "N:" / "-:" range-diff entry. */
static size_t range_diff_end(const struct lint_text *t, size_t i)
{
	for (i++; i < t->n; i++) {
		const char *s;
		size_t n;

		if (!lint_str_blank(lint_line_ptr(t, i), t->v[i].len) ||
		    i + 1 >= t->n)
			continue;
		s = lint_line_ptr(t, i + 1);
		n = t->v[i + 1].len;
		if (n > 0 && s[0] != ' ' && s[0] != '\t' && s[0] != '-' &&
		    !(s[0] >= '0' && s[0] <= '9'))
			return i;
	}
	return t->n;
}

/* Outlook header block without "Date:" (git's in-body header uses Date:,
 * Outlook writes Sent:/Gesendet:/...). */
static int outlook_block(const struct lint_text *t, size_t i)
{
	size_t k = lint_attrib_outlook(t, i);

	for (size_t j = i; j < i + k; j++)
		if (lint_str_iprefix(lint_line_ptr(t, j), t->v[j].len, "Date:"))
			return 0;
	return k > 0;
}

/* Where an Outlook original quoted without '>' starts, below the sender's
 * own text and above any diff: a patch in there is the quoted mail's, so
 * the patch scan stops at it.  t->n when there is none. */
static size_t outlook_original_start(const struct lint_text *t)
{
	int text_above = 0;

	for (size_t i = 0; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len;

		if (lint_str_prefix(s, n, "diff ") ||
		    lint_str_prefix(s, n, "@@ -") || (n > 0 && s[0] == '>'))
			return t->n;
		/* a separator line starts an original even with nothing
		 * above it (all answers are inline) */
		if (lint_attrib_original(s, n) || (text_above &&
		    outlook_block(t, i)))
			return i;
		text_above |= !lint_str_blank(s, n);
	}
	return t->n;
}

static void mark_patch(struct lint_msg *m, struct lint_text *t, size_t end)
{
	struct hunk h = {0, 0, 0};
	int header = 0, clearsigned = 0;

	for (size_t i = 0; i < end; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len;

		/* clear-signing dash-escapes every line starting with '-' */
		if (lint_str_prefix(s, n, "-----BEGIN PGP SIGNED MESSAGE-----"))
			clearsigned = 1;
		if (h.on) {
			if (hunk_line(s, n, &h)) {
				t->v[i].cls = LC_P;
				if (clearsigned && lint_str_prefix(s, n, "- -"))
					t->v[i].flags |= LF_CORRUPT;
				continue;
			}
			t->v[i].flags |= LF_CORRUPT;
			h.on = 0;
		}
		if (lint_str_prefix(s, n, "diff --git ") ||
		    lint_str_prefix(s, n, "diff -") ||
		    (header && is_diff_hdr(s, n)) ||
		    lint_str_prefix(s, n, "\\ No newline")) {
			header = 1;
			t->v[i].cls = LC_P;
		} else if (lint_str_prefix(s, n, "--- ") && i + 1 < end &&
		    lint_str_prefix(lint_line_ptr(t, i + 1), t->v[i + 1].len,
		    "+++ ")) {
			t->v[i].cls = t->v[i + 1].cls = LC_P;
			header = 1;
			i++;
		} else if (hunk_header(s, n, &h)) {
			t->v[i].cls = LC_P;
			header = 0;
		} else if (range_diff_start(s, n)) {
			size_t e = range_diff_end(t, i);

			if (e > end)
				e = end;

			for (; i < e; i++)
				t->v[i].cls = LC_P;
			i--;
		} else
			header = 0;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].cls == LC_P) {
			m->has_patch = 1;
			break;
		}
}

static int diffstat_line(const char *s, size_t n)
{
	const char *bar;

	if (n < 2 || s[0] != ' ')
		return 0;
	if (lint_str_prefix(s, n, " create mode ") ||
	    lint_str_prefix(s, n, " delete mode ") ||
	    lint_str_prefix(s, n, " rename ") ||
	    lint_str_prefix(s, n, " copy ") ||
	    lint_str_prefix(s, n, " mode change "))
		return 1;
	if (s[1] >= '0' && s[1] <= '9' && lint_str_find(s, n, " changed"))
		return 1;
	bar = memchr(s, '|', n);
	if (!bar)
		return 0;
	for (bar++; bar < s + n && *bar == ' '; bar++)
		;
	return bar < s + n && ((*bar >= '0' && *bar <= '9') ||
	    lint_str_prefix(bar, (size_t)(s + n - bar), "Bin"));
}

/* A reply that carries a patch further down (scissors, "like this?")
 * has no commit log: its top is discussion. */
static int reply_before_patch(const struct lint_text *t)
{
	for (size_t i = 0; i < t->n && t->v[i].cls != LC_P; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len;

		if ((n > 0 && s[0] == '>') || lint_attrib_line(s, n))
			return 1;
	}
	return 0;
}

/* Diffstat between "---" and the first P line; the commit log (flag LOG)
 * from the top to that "---" or the first P line. */
static void mark_diffstat(struct lint_text *t)
{
	int stat = 0, log = !reply_before_patch(t);

	for (size_t i = 0; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = lint_str_rtrim(s, t->v[i].len);

		if (t->v[i].cls == LC_P) {
			stat = 0;
			log = 0;
			continue;
		}
		if (n == 3 && memcmp(s, "---", 3) == 0 && t->v[i].cls == LC_T) {
			t->v[i].cls = LC_D;
			stat = 1;
			log = 0;
			continue;
		}
		if (log)
			t->v[i].flags |= LF_LOG;
		if (stat && diffstat_line(s, n))
			t->v[i].cls = LC_D;
	}
}

static int sig_sep(const char *s, size_t n)
{
	return (n == 3 && memcmp(s, "-- ", 3) == 0) ||
	    (n == 2 && memcmp(s, "--", 2) == 0);
}

/* A signature runs from "-- " to the next quote/attribution or the end. */
static void mark_signature(struct lint_text *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].cls != LC_T ||
		    !sig_sep(lint_line_ptr(t, i), t->v[i].len))
			continue;
		for (; i < t->n && (t->v[i].cls == LC_T ||
		    t->v[i].cls == LC_E); i++)
			t->v[i].cls = LC_S;
		if (i < t->n)
			i--;
	}
}

static int tag_line(const char *s, size_t n)
{
	size_t k = 0;

	if (n == 0 || s[0] < 'A' || s[0] > 'Z')
		return 0;
	while (k < n && ((s[k] >= 'A' && s[k] <= 'Z') ||
	    (s[k] >= 'a' && s[k] <= 'z') || s[k] == '-'))
		k++;
	if (k + 1 >= n || s[k] != ':' || s[k + 1] != ' ')
		return 0;
	return lint_str_isuffix(s, k, "-by") || (k == 5 &&
	    lint_str_iprefix(s, k, "Fixes")) || (k == 4 &&
	    lint_str_iprefix(s, k, "Link")) || (k == 6 &&
	    lint_str_iprefix(s, k, "Closes")) || (k == 2 &&
	    lint_str_iprefix(s, k, "Cc")) || (k == 7 &&
	    lint_str_iprefix(s, k, "BugLink")) || (k == 9 &&
	    lint_str_iprefix(s, k, "Change-Id")) || (k == 10 &&
	    lint_str_iprefix(s, k, "Message-Id"));
}

static void mark_empty_and_tags(struct lint_text *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const char *s = lint_line_ptr(t, i);
		size_t n = t->v[i].len;

		if (t->v[i].cls != LC_T)
			continue;
		if (lint_str_blank(s, n))
			t->v[i].cls = LC_E;
		else if (tag_line(s, n))
			t->v[i].flags |= LF_TAG;
	}
}

void lint_classify(struct lint_msg *m, struct lint_text *t)
{
	mark_patch(m, t, outlook_original_start(t));
	if (m->has_patch)
		mark_diffstat(t);
	lint_footer_mark(t);
	lint_quote_markers(t);
	mark_empty_and_tags(t);
	lint_quote_reply(t, m->has_patch);
	mark_signature(t);
	lint_quote_cited(t);
	lint_log_mark(t);
}
