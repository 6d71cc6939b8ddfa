/*
 * Lint gate.  The message is read back through the spool (spool_tx_view)
 * so the linter sees the very bytes that would be queued (after header
 * rewrite and line-ending normalisation) without a second copy in memory.
 * Policy (rule overrides, list globs) is the one built by lint_policy.c.
 */
#include "relayd/submit/submit_lint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gate_ctx {
	const char **rcpts;
	const char *own[1];
};

static int fill_ctx(struct gate_ctx *g, struct lint_ctx *ctx,
    const struct lint_ctx *policy, const struct envelope *env)
{
	size_t i;

	/* all of the policy (overrides, lists, lint_max_size), then what
	 * this message adds */
	*ctx = *policy;
	/* sendmail sees a series one patch at a time: series-level
	 * findings once, with the last patch */
	ctx->series_once = 1;
	g->own[0] = env->sender;
	ctx->own = g->own;
	ctx->nown = env->sender[0] != '\0' ? 1 : 0;
	g->rcpts = calloc(env->nrcpt ? env->nrcpt : 1, sizeof(*g->rcpts));
	if (g->rcpts == NULL)
		return -1;
	for (i = 0; i < env->nrcpt; i++)
		g->rcpts[i] = env->rcpt[i].addr;
	ctx->rcpts = g->rcpts;
	ctx->nrcpts = env->nrcpt;
	return 0;
}

int submit_lint_gate(struct spool_tx *tx, const struct conf *c,
    const struct lint_ctx *policy,
    const struct envelope *env, struct lint_result *out, int *reject,
    struct op_err *e)
{
	struct gate_ctx g;
	struct lint_ctx ctx;
	struct spool_view v;
	int r;

	*reject = 0;
	memset(out, 0, sizeof(*out));
	if (fill_ctx(&g, &ctx, policy, env) < 0)
		return op_errnof(e, OP_TEMP, "lint");
	if (spool_tx_view(tx, &v, e) < 0) {
		free(g.rcpts);
		return -1;
	}
	r = lint_message(v.msg, v.len, &ctx, out);
	spool_view_close(&v);
	free(g.rcpts);
	if (r < 0)
		return op_errf(e, OP_TEMP, "lint: out of memory");
	*reject = c->lint == CONF_LINT_REJECT &&
	    lint_result_max(out) >= LINT_ERROR;
	return 0;
}
