/*
 * The lint policy built from the config, in one place for `outpost lint`,
 * `outpost sendmail` (the lint gate) and `outpost doctor`: rule severity
 * overrides (`lint_rule`), list globs (`lists`), the size limit
 * (`lint_max_size`) and the mode (`lint`).
 * An unknown rule id is the same OP_CONFIG error for all three.
 */
#ifndef OUTPOST_LINT_POLICY_H
#define OUTPOST_LINT_POLICY_H

#include <stddef.h>

#include "conf/conf.h"
#include "lint/lint.h"
#include "util/status.h"

/* Config overrides plus room for the command line's (--rule) and the
 * git hook's own. */
#define LINT_POLICY_OVR_MAX	(CONF_RULES_MAX + 64)

struct lint_policy {
	enum conf_lint mode;
	const char *ovr_id[LINT_POLICY_OVR_MAX];	/* ids from the table */
	enum lint_severity ovr_sev[LINT_POLICY_OVR_MAX];
	size_t novr;
	const char *lists[CONF_LISTS_MAX];	/* point into the conf */
	size_t nlists;
	size_t max_size;			/* lint_max_size */
};

/* Build the policy from c (which must outlive it).  -1 with OP_CONFIG,
 * "FILE: lint_rule ID: no such rule; ...", for an unknown id. */
int lint_policy_build(struct lint_policy *p, const struct conf *c,
    struct op_err *e);

/* Set or replace one override (later settings win); id must be a table
 * id (lint_rule_find()->id).  -1 when the table is full. */
int lint_policy_set(struct lint_policy *p, const char *id,
    enum lint_severity sev);

/* Point ctx's override and list fields at the policy (other fields are
 * left alone). */
void lint_policy_ctx(const struct lint_policy *p, struct lint_ctx *ctx);

#endif
