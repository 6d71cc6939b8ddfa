/*
 * lint_message(): the pipeline (MIME walk, decode, classify, rules) and the
 * one place where findings are added, with the severity policy applied.
 * Never prints or exits; all memory is released before returning.
 */
#include "lint/lint_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct lint_ctx empty_ctx;

/* Severity policy: a caller override wins, then the table default, then
 * our built-in value; `fixed` marks sub-rules whose severity differs from
 * their family (signed-mime is a warning inside the multipart family). */
static enum lint_severity policy(const struct lint_msg *m, const char *rule,
    enum lint_severity builtin, int fixed)
{
	const struct lint_ctx *c = m->ctx;
	const struct lint_rule_info *ri;

	for (size_t i = 0; i < c->noverrides; i++)
		if (c->override_ids && c->override_sev && c->override_ids[i] &&
		    strcmp(c->override_ids[i], rule) == 0)
			return c->override_sev[i];
	if (fixed)
		return builtin;
	ri = lint_rule_find(rule);
	return ri ? ri->severity : builtin;
}

int lint_msg_rule_on(const struct lint_msg *m, const char *rule)
{
	return policy(m, rule, LINT_WARNING, 0) != LINT_OFF;
}

static size_t count_rule(const struct lint_result *r, const char *rule)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].rule, rule) == 0)
			k++;
	return k;
}

static int grow(struct lint_result *r)
{
	size_t cap = r->cap ? r->cap * 2 : 16;
	struct lint_finding *v;

	if (cap > LINT_MAX_FINDINGS)
		cap = LINT_MAX_FINDINGS;
	v = realloc(r->v, cap * sizeof(*v));
	if (!v)
		return -1;
	r->v = v;
	r->cap = cap;
	return 0;
}

/* The rule id stored must be static: take it from the table when present. */
static const char *static_id(const char *rule)
{
	const struct lint_rule_info *ri = lint_rule_find(rule);

	return ri ? ri->id : rule;
}

void lint_emit(struct lint_msg *m, const char *rule, const char *detail,
    enum lint_severity builtin, int fixed, unsigned line, unsigned col,
    const char *fmt, ...)
{
	struct lint_result *r = m->out;
	enum lint_severity sev = policy(m, rule, builtin, fixed);
	struct lint_finding *f;
	va_list ap;

	if (sev == LINT_OFF)
		return;
	if (count_rule(r, rule) >= LINT_MAX_PER_RULE ||
	    r->n >= LINT_MAX_FINDINGS) {
		r->truncated = 1;
		return;
	}
	if (r->n == r->cap && grow(r) != 0) {
		m->oom = 1;
		return;
	}
	f = &r->v[r->n++];
	f->rule = static_id(rule);
	f->detail = detail;
	f->severity = sev;
	f->line = line;
	f->column = col;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/* Input line number of a pointer into m->raw.  Parts are visited in order,
 * so a forward cursor keeps this linear over the whole walk. */
unsigned lint_msg_lineno(struct lint_msg *m, const char *p)
{
	size_t off;

	if (p < m->raw || p > m->raw + m->raw_len)
		return 0;
	off = (size_t)(p - m->raw);
	if (off < m->cur_off) {
		m->cur_off = 0;
		m->cur_line = m->line_base;
	}
	for (const char *q = m->raw + m->cur_off; q < p;) {
		const char *nl = memchr(q, '\n', (size_t)(p - q));

		if (!nl)
			break;
		m->cur_line++;
		q = nl + 1;
	}
	m->cur_off = off;
	/* cur_off may sit mid-line; that is fine, we only count newlines */
	return m->cur_line;
}

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
	rc = m->oom ? -1 : 0;
	lint_text_free(&m->text);
	free(m);
	if (rc != 0)
		lint_result_free(out);
	return rc;
}

void lint_result_free(struct lint_result *r)
{
	if (!r)
		return;
	free(r->v);
	memset(r, 0, sizeof(*r));
}

enum lint_severity lint_result_max(const struct lint_result *r)
{
	enum lint_severity s = LINT_OFF;

	for (size_t i = 0; r && i < r->n; i++)
		if (r->v[i].severity > s)
			s = r->v[i].severity;
	return s;
}
