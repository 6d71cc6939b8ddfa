/*
 * The window path of a pass (pipeline_window > 0, a seam with windows):
 * due messages are locked in queue order and handed to the SMTP window;
 * the in-flight marks of each group go to the spool journal with one sync
 * (group commit), removals after delivery are synced in batches; each
 * outcome is recorded as soon as its replies are read.  Messages that need
 * no session (settled) or cannot get one take the one-message path.
 */
#include "relayd/runner/runner_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

/* One message in the window: locked, loaded, its body open. */
struct witem {
	struct envelope env;
	struct runner_lock lk;		/* its fd also reads the text */
	int marked;			/* its in-flight line is durable */
	struct smtp_msg m;
	const char **addrs;
	size_t *idx;
	struct smtp_status *rst;
	struct outcome_tally tally;	/* of its earlier transactions */
	struct witem *again;		/* next on wctx.again */
};

struct wctx {
	struct runner_pass_state *p;
	const struct spool_list *l;
	size_t pos;			/* next id of l to look at */
	/* A patch series the gate lets go: its parts, sent next in order. */
	char parts[SPOOL_SERIES_MAX + 1][SPOOL_QID_LEN + 1];
	size_t nparts, part;
	struct witem *first;		/* found before the session opened */
	/* Messages with recipients left by a recipient limit (452 4.5.3):
	 * sent again before any other, FIFO. */
	struct witem *again, **again_end;
	struct spool_journal jnl;
	int jnl_open;
};

static void item_free(struct witem *it)
{
	envelope_free(&it->env);
	spool_unlock_msg(it->lk.fd);
	free(it->addrs);
	free(it->idx);
	free(it->rst);
	free(it);
}

static void item_report(struct witem *it, struct runner_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->id = it->env.id;
	rep->env = &it->env;
	rep->what = RUNNER_SENT;
	rep->tally = it->tally;
}

/* Record, report and let go of a message whose attempt is over. */
static void item_finish(struct runner_pass_state *p, struct witem *it,
    struct runner_report *rep)
{
	p->marked = it->marked;
	p->lockfd = &it->lk.fd;		/* a removal may take it */
	runner_record_finish(p, &it->env, rep);
	p->lockfd = NULL;
	item_free(it);
}

/* Outcome of one transaction; 1 when recipients are left for the next
 * one and it is ready to go again (state stored, smtp_msg refilled). */
static int item_outcome(struct runner_pass_state *p, struct witem *it,
    const struct smtp_status *st, struct runner_report *rep)
{
	size_t again;

	item_report(it, rep);
	p->sent_on_sess++;
	again = runner_msg_apply(p, &it->env, it->idx, it->m.nrcpt, it->rst,
	    st, rep);
	p->marked = it->marked;
	if (runner_msg_again(p, &it->env, rep, again) < 0)
		return 0;
	it->tally = rep->tally;
	it->marked = 0;
	runner_msg_fill(p, &it->env, &it->lk, &it->m, it->addrs, it->idx);
	return 1;
}

/* Not sent in a window after all: the one-message path decides (it
 * defers with the session's reason when there is none). */
static void item_process(struct runner_pass_state *p, struct witem *it)
{
	p->marked = 0;
	runner_msg_process(p, &it->env, &it->lk);
	item_free(it);
}

/* A locked, due, unsettled message into a window item; NULL when it
 * was left for later instead (no memory). */
static struct witem *item_make(struct runner_pass_state *p,
    struct envelope *env, const struct runner_lock *lk)
{
	struct witem *it = calloc(1, sizeof(*it));
	size_t n = env->nrcpt ? env->nrcpt : 1;

	if (it == NULL)
		goto oom;
	it->env = *env;
	it->lk = *lk;
	it->addrs = calloc(n, sizeof(*it->addrs));
	it->idx = calloc(n, sizeof(*it->idx));
	it->rst = calloc(n, sizeof(*it->rst));
	if (it->addrs == NULL || it->idx == NULL || it->rst == NULL) {
		log_msg(LOG_LVL_ERROR, env->id, "out of memory; left for "
		    "later");
		item_free(it);	/* env and lock go with it */
		return NULL;
	}
	runner_msg_fill(p, &it->env, &it->lk, &it->m, it->addrs, it->idx);
	return it;
oom:
	log_msg(LOG_LVL_ERROR, env->id, "out of memory; left for later");
	envelope_free(env);
	spool_unlock_msg(lk->fd);
	return NULL;
}

/* The next id to lock, in delivery order: the parts of a series the
 * gate let go, else the next id of the queue that is due. */
static int next_id(struct wctx *w, const char **id, int *skewed)
{
	const char *parts[SPOOL_SERIES_MAX + 1];
	size_t n, i;

	while (w->part == w->nparts && w->pos < w->l->n) {
		*id = w->l->ids[w->pos];
		n = 0;
		i = (size_t)runner_msg_look(w->p, w->l, w->pos++, parts,
		    sizeof(parts) / sizeof(parts[0]), &n, skewed);
		w->nparts = w->part = 0;
		for (; w->nparts < n; w->nparts++)
			snprintf(w->parts[w->nparts], sizeof(w->parts[0]),
			    "%s", parts[w->nparts]);
		if (i)
			return 1;
	}
	if (w->part == w->nparts)
		return 0;
	*id = w->parts[w->part++];
	*skewed = 0;
	return 1;
}

/* The next message to send; the others met on the way (settled, no
 * session to be had) take the one-message path. */
static struct witem *take_next(struct wctx *w)
{
	struct runner_pass_state *p = w->p;
	struct runner *r = p->r;
	struct envelope env;
	struct runner_lock lk;
	struct witem *it;
	const char *id;
	int skewed;

	if (w->again != NULL && !p->halted &&
	    (r->stop == NULL || !r->stop(r->stop_arg))) {
		it = w->again;
		w->again = it->again;
		if (w->again == NULL)
			w->again_end = &w->again;
		return it;
	}
	while (!p->halted && next_id(w, &id, &skewed)) {
		if (r->stop != NULL && r->stop(r->stop_arg))
			return NULL;
		if (runner_msg_lock(p, id, skewed, &env, &lk) != 1)
			continue;
		if (outcome_settled(&env) || p->session_failed) {
			runner_msg_process(p, &env, &lk);
			envelope_free(&env);
			spool_unlock_msg(lk.fd);
			continue;
		}
		it = item_make(p, &env, &lk);
		if (it != NULL)
			return it;
	}
	return NULL;
}

static int w_next(void *arg, struct smtp_msg *m, struct smtp_status **rst,
    void **item)
{
	struct wctx *w = arg;
	struct witem *it = w->first;

	w->first = NULL;
	if (it == NULL)
		it = take_next(w);
	if (it == NULL)
		return 0;
	*m = it->m;
	*rst = it->rst;
	*item = it;
	return 1;
}

/* One group's in-flight marks, one sync.  Without them nothing of the
 * group is sent, and the pass stops (the spool cannot be written). */
static int w_mark(void *arg, void *const *items, size_t n,
    struct smtp_status *why)
{
	struct wctx *w = arg;
	const char *ids[SMTP_WINDOW_MAX];
	struct op_err e;
	size_t i;

	for (i = 0; i < n; i++)
		ids[i] = ((struct witem *)items[i])->env.id;
	if (!w->jnl_open && spool_journal_open(w->p->r->sp, &w->jnl,
	    &e) == 0) {
		w->jnl_open = 1;
		w->p->jnl = &w->jnl;
		/* Removals off this thread; inline when it cannot be. */
		if (spool_journal_async(&w->jnl, &e) < 0)
			log_warn("removing delivered mail inline: %s", e.msg);
	}
	if (w->jnl_open && spool_journal_mark(&w->jnl, ids, n, &e) == 0) {
		for (i = 0; i < n; i++)
			((struct witem *)items[i])->marked = 1;
		return 0;
	}
	memset(why, 0, sizeof(*why));
	why->outcome = SMTP_TEMP;
	why->stage = SMTP_STAGE_MAIL;
	snprintf(why->text, sizeof(why->text), "not sent: cannot mark it in "
	    "flight: %.900s", e.msg);
	log_error("%s", why->text);
	w->p->halted = 1;
	return -1;
}

static void w_done(void *arg, void *item, const struct smtp_status *st)
{
	struct wctx *w = arg;
	struct witem *it = item;
	struct runner_report rep;

	if (item_outcome(w->p, it, st, &rep) == 0) {
		item_finish(w->p, it, &rep);
		return;
	}
	it->again = NULL;
	*w->again_end = it;
	w->again_end = &it->again;
}

/* End of the pass: messages still waiting for another transaction are
 * recorded as they are (their recipients stay due). */
static void drain_again(struct wctx *w)
{
	struct runner_report rep;
	struct witem *it;

	while ((it = w->again) != NULL) {
		w->again = it->again;
		item_report(it, &rep);
		item_finish(w->p, it, &rep);
	}
	w->again_end = &w->again;
}

static const struct smtp_window_ops wops = { w_next, w_mark, w_done };

/* Sessions as in the one-message path: opened for the first message
 * that needs one, reopened (bounded) when one breaks. */
void runner_window_pass(struct runner_pass_state *p,
    const struct spool_list *l)
{
	const struct runner_ops *ops = p->r->ops;
	struct wctx w;
	struct op_err e;
	int rc;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.l = l;
	w.again_end = &w.again;
	while (!p->halted && (w.first = take_next(&w)) != NULL) {
		if (runner_session_get(p) < 0) {
			item_process(p, w.first);	/* deferred */
			continue;
		}
		rc = ops->window(ops->ctx, p->sess, p->r->conf->pipeline_window,
		    &wops, &w);
		if (w.first != NULL)	/* the window took nothing */
			item_process(p, w.first);
		if (rc < 0 || !ops->usable(ops->ctx, p->sess))
			runner_session_drop(p);
		if (rc == 0 && w.again == NULL)
			break;
	}
	drain_again(&w);
	if (w.jnl_open && spool_journal_close(&w.jnl, p->r->has_held,
	    &e) < 0)
		log_warn("%s", e.msg);
	p->jnl = NULL;
}
