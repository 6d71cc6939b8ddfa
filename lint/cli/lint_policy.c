/*
 * The one builder of the lint policy from the config (see lint_policy.h).
 * Rule ids are checked against the rule table here and nowhere else, so a
 * typo in `lint_rule` fails `lint`, `sendmail` and `doctor` alike.
 */
#include "lint/cli/lint_policy.h"

#include <string.h>

#include "util/printable.h"

int lint_policy_set(struct lint_policy *p, const char *id,
    enum lint_severity sev)
{
	size_t i;

	for (i = 0; i < p->novr; i++) {
		if (strcmp(p->ovr_id[i], id) == 0) {
			p->ovr_sev[i] = sev;
			return 0;
		}
	}
	if (p->novr == LINT_POLICY_OVR_MAX)
		return -1;
	p->ovr_id[p->novr] = id;
	p->ovr_sev[p->novr++] = sev;
	return 0;
}

static int unknown_rule(const struct conf *c, const char *id,
    struct op_err *e)
{
	char shown[64], path[512];

	printable(shown, sizeof(shown), id, strlen(id));
	printable(path, sizeof(path), c->path, strlen(c->path));
	return op_errf(e, OP_CONFIG, "%s: lint_rule %s: no such rule; fix "
	    "the spelling (the rule ids are listed in docs/LINT.md)",
	    path[0] ? path : "config", shown);
}

int lint_policy_build(struct lint_policy *p, const struct conf *c,
    struct op_err *e)
{
	const struct lint_rule_info *ri;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->mode = c->lint;
	for (i = 0; i < c->nrules && i < CONF_RULES_MAX; i++) {
		ri = lint_rule_find(c->rules[i].id);
		if (ri == NULL)
			return unknown_rule(c, c->rules[i].id, e);
		(void)lint_policy_set(p, ri->id,
		    (enum lint_severity)c->rules[i].severity);
	}
	for (i = 0; i < c->nlists && i < CONF_LISTS_MAX; i++)
		p->lists[i] = c->lists[i];
	p->nlists = i;
	p->max_size = (size_t)c->lint_max_size;
	return 0;
}

void lint_policy_ctx(const struct lint_policy *p, struct lint_ctx *ctx)
{
	ctx->override_ids = p->ovr_id;
	ctx->override_sev = p->ovr_sev;
	ctx->noverrides = p->novr;
	/* No lists configured: NULL selects the built-in list. */
	ctx->lists = p->nlists ? p->lists : NULL;
	ctx->nlists = p->nlists;
	ctx->max_size = p->max_size;
}
