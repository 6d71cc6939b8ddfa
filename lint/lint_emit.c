/*
 * The findings sink: the one place where findings are added, with the
 * severity policy (caller overrides, table defaults) and the per-rule caps
 * applied.  Rules and the driver both write here; it calls neither.
 */
#include "lint/lint_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A line of a base64/QP part: say so, and point `line` at the part (for
 * QP at the wire line where the decoded line starts). */
static void decoded_pos(const struct lint_msg *m, struct lint_finding *f)
{
	const struct lint_text *t = &m->text;
	unsigned idx = f->line & ~LINT_LINE_DECODED;

	f->decoded_line = idx;
	f->line = t->part_line;
	f->encoding = t->cte == LINT_CTE_QP ? "quoted-printable" : "base64";
	if (t->cte == LINT_CTE_QP && idx >= 1 && idx - 1 < t->nmap)
		f->line = t->part_line + t->map[idx - 1];
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
	memset(f, 0, sizeof(*f));
	f->rule = static_id(rule);
	f->detail = detail;
	f->severity = sev;
	f->line = line;
	f->column = col;
	if (line & LINT_LINE_DECODED)
		decoded_pos(m, f);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
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

static int same_line(const struct lint_finding *a, const struct lint_finding *b)
{
	return a->line == b->line && a->decoded_line == b->decoded_line;
}

static struct lint_finding *find(struct lint_result *r, const char *rule,
    const char *detail)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].rule, rule) == 0 && (!detail ||
		    (r->v[i].detail && strcmp(r->v[i].detail, detail) == 0)))
			return &r->v[i];
	return NULL;
}

/* One problem, one finding: the weaker of a pair that says the same
 * thing is kept (scripts and per-rule counts still see it) but marked as
 * folded into the stronger one, which text output shows alone. */
static void fold(struct lint_result *r)
{
	struct lint_finding *a, *b;

	if ((a = find(r, "html", NULL)) &&
	    (b = find(r, "multipart", "alternative")))
		b->folded_into = a->rule;
	if ((a = find(r, "top-post", NULL)) &&
	    (b = find(r, "untrimmed-quote", NULL)))
		b->folded_into = a->rule;
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->v[i].rule, "commit-log-long-line") != 0)
			continue;
		for (size_t k = 0; k < r->n; k++)
			if (strcmp(r->v[k].rule, "long-lines") == 0 &&
			    same_line(&r->v[i], &r->v[k]))
				r->v[i].folded_into = r->v[k].rule;
	}
}

static int before(const struct lint_finding *a, const struct lint_finding *b)
{
	if (a->line != b->line)
		return a->line < b->line;
	if (a->decoded_line != b->decoded_line)
		return a->decoded_line < b->decoded_line;
	return a->column < b->column;
}

/* Insertion sort: stable (rules' own order breaks ties), and n is at
 * most LINT_MAX_FINDINGS. */
void lint_emit_finish(struct lint_result *r)
{
	fold(r);
	for (size_t i = 1; i < r->n; i++) {
		struct lint_finding f = r->v[i];
		size_t k = i;

		for (; k > 0 && before(&f, &r->v[k - 1]); k--)
			r->v[k] = r->v[k - 1];
		r->v[k] = f;
	}
}
