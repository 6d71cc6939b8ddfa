/*
 * lint_message(): the pipeline (MIME walk, decode, classify, rules).
 * Findings go through lint_emit.c.  Never prints or exits; all memory is
 * released before returning.
 */
#include "lint/lint_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct lint_ctx empty_ctx;

/* An mbox separator first line ("From sha Mon Sep 17 ...") is not part of
 * the message; it still counts for line numbers. */
static void skip_from_line(struct lint_msg *m, const char *msg, size_t len)
{
	m->raw = msg;
	m->raw_len = len;
	m->line_base = 1;
	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		const char *nl = memchr(msg, '\n', len);

		if (nl) {
			m->raw = nl + 1;
			m->raw_len = len - (size_t)(nl + 1 - msg);
			m->line_base = 2;
		}
	}
	/* Parse at most LINT_MAX_INPUT bytes, cut at a line end: memory (and,
	 * for a mapped file, the pages touched) stays bounded for any size.
	 * message-too-large still sees the full length. */
	if (m->raw_len > LINT_MAX_INPUT) {
		const char *tail = m->raw + LINT_MAX_INPUT - 65536;
		const char *nl = memrchr(tail, '\n', 65536);

		/* a line end near the cap, else the cap itself (one huge line) */
		m->raw_len = nl ? (size_t)(nl + 1 - m->raw) : LINT_MAX_INPUT;
	}
	m->cur_off = 0;
	m->cur_line = m->line_base;
}

/* The first inline HTML part, for mail that has no text/plain body (or
 * whose only text/plain part is a list's footer). */
static int html_part(const struct lint_msg *m)
{
	for (size_t i = 0; i < m->nparts; i++) {
		const struct lint_part *p = &m->parts[i];

		if (p->leaf && !p->attachment && !p->in_message && p->body &&
		    strcmp(p->type, "text/html") == 0)
			return (int)i;
	}
	return -1;
}

static int only_footer(const struct lint_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].cls != LC_L && t->v[i].cls != LC_E)
			return 0;
	return 1;
}

/* Reply shape and disclaimers on an HTML body reduced to text; line
 * widths mean nothing there, so the line rules are not run. */
static void run_html_rules(struct lint_msg *m, int h)
{
	lint_text_free(&m->text);
	if (lint_lines_load_html(&m->parts[h], &m->text) != 0) {
		m->oom = 1;
		return;
	}
	m->html = 1;
	m->body = -1;
	lint_classify(m, &m->text);
	rule_disclaimer_run(m);
	rule_quote_run(m);
}

static void run_body_rules(struct lint_msg *m)
{
	int h = html_part(m);

	if (m->body < 0) {
		if (h >= 0)
			run_html_rules(m, h);
		return;
	}
	if (lint_lines_load(m, &m->parts[m->body], &m->text) != 0) {
		m->oom = 1;
		return;
	}
	lint_classify(m, &m->text);
	rule_mime_charset(m);
	if (h >= 0 && h < m->body && only_footer(&m->text)) {
		run_html_rules(m, h);
		return;
	}
	rule_disclaimer_run(m);
	rule_quote_run(m);
	rule_lines_run(m);
	rule_links_run(m);
}

int lint_message(const char *msg, size_t len, const struct lint_ctx *ctx,
    struct lint_result *out)
{
	struct lint_msg *m;
	int rc;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	m->ctx = ctx ? ctx : &empty_ctx;
	m->out = out;
	m->body = -1;
	m->full_len = len;
	skip_from_line(m, msg ? msg : "", msg ? len : 0);
	m->hdr_len = lint_hdr_end(m->raw, m->raw_len);
	lint_mime_walk(m);
	rule_mime_run(m);
	run_body_rules(m);
	rule_lines_wire(m);
	rule_recipients_run(m);
	lint_emit_finish(out);
	rc = m->oom ? -1 : 0;
	lint_text_free(&m->text);
	free(m);
	if (rc != 0)
		lint_result_free(out);
	return rc;
}
