/*
 * The gate of the runner: may this message go now, or is it held and why?
 * A message held by hand (outpost hold) never goes, not even with flush,
 * and is not "due" (relayd does not wake up for it).  A patch series goes
 * whole: the verdict comes from spool/series.c (complete, waiting, held,
 * superseded); when it may go, it names all the parts to send, in order
 * (cover, 1..n), and the caller sends them on the pass's one session.
 * Kept apart from the send path, which it never calls.
 */
#include "relayd/runner/runner_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <string.h>

#include "util/log.h"
#include "util/printable.h"

struct runner_gate {
	struct series_set set;
	int built;		/* 1 built, -1 could not be built */
	char (*done)[SPOOL_SERIES_KEY];	/* series handled in this pass */
	size_t ndone;
};

int runner_gate_held(const struct envelope *env)
{
	/* A failed message waits for `outpost requeue` just the same. */
	return env->held[0] != '\0' || env->failed != 0;
}

/* The series table, built once per pass on the first series member. */
static struct runner_gate *gate_get(struct runner_gate **g, struct runner *r,
    int64_t now)
{
	struct op_err e;

	if (*g == NULL && (*g = calloc(1, sizeof(**g))) == NULL)
		return NULL;
	if ((*g)->built == 0) {
		(*g)->built = series_set_build(r->sp, now, r->conf->series_wait,
		    &(*g)->set, &e) == 0 ? 1 : -1;
		if ((*g)->built < 0)
			log_warn("patch series: %s (series held this pass)",
			    e.msg);
	}
	return (*g)->built > 0 ? *g : NULL;
}

void runner_gate_free(struct runner_gate **g)
{
	if (*g == NULL)
		return;
	series_set_free(&(*g)->set);
	free((*g)->done);
	free(*g);
	*g = NULL;
}

static int done_has(const struct runner_gate *g, const char *key)
{
	size_t i;

	for (i = 0; i < g->ndone; i++)
		if (strcmp(g->done[i], key) == 0)
			return 1;
	return 0;
}

static void done_add(struct runner_gate *g, const char *key)
{
	char (*d)[SPOOL_SERIES_KEY];

	d = realloc(g->done, (g->ndone + 1) * sizeof(*d));
	if (d == NULL)
		return;		/* worst case: the series is looked at again */
	g->done = d;
	memcpy(g->done[g->ndone++], key, SPOOL_SERIES_KEY);
}

int runner_gate_due(struct runner_gate **g, struct runner *r,
    const struct envelope *env, int64_t now)
{
	struct series_verdict v;
	struct runner_gate *gt;

	if (runner_gate_held(env))
		return 0;
	if (env->series[0] == '\0' || env->released)
		return 1;
	gt = gate_get(g, r, now);
	if (gt == NULL)
		return 0;
	series_verdict(&gt->set, env, &v);
	return v.st == SERIES_GO || v.st == SERIES_SUPERSEDED;
}

/* An older copy of a series that was sent again: drop it (under its
 * lock, so never while a runner sends it), and say so in the log. */
static void drop_superseded(struct runner_pass_state *p, const char *id,
    const char *subject)
{
	char subj[SPOOL_HDR_MAX];
	struct op_err e;
	int lockfd;

	if (spool_lock_msg(p->r->sp, id, &lockfd, &e) != 1)
		return;
	printable(subj, sizeof(subj), subject, strlen(subject));
	if (spool_remove(p->r->sp, id, &e) < 0)
		log_msg(LOG_LVL_WARN, id, "superseded, but cannot be removed: "
		    "%s", e.msg);
	else
		log_msg(LOG_LVL_INFO, id, "superseded by a newer copy of its "
		    "series, not sent: %s", subj);
	spool_unlock_msg(lockfd);
}

/* Every part that may go, in order: all of a complete series, else only
 * the parts released by hand.  The ids stay valid until the gate is
 * freed at the end of the pass. */
static size_t series_order(struct runner_gate *g, const char *key,
    const char **ids, size_t max)
{
	const struct series_member *parts[SPOOL_SERIES_MAX + 1];
	int whole = series_complete(&g->set, key);
	size_t i, k = 0, n = series_parts(&g->set, key, parts,
	    sizeof(parts) / sizeof(parts[0]));

	if (n > 0)
		log_msg(LOG_LVL_INFO, parts[0]->id, "patch series %s (%zu "
		    "parts): sending in order", whole ? "complete" : "released",
		    n);
	for (i = 0; i < n && k < max; i++)
		if (!parts[i]->superseded && (whole || parts[i]->released))
			ids[k++] = parts[i]->id;
	return k;
}

/* Was `id` already logged as held by this runner?  Remembers it if not. */
static int said_before(struct runner *r, const char *id)
{
	for (size_t i = 0; i < RUNNER_SAID_MAX; i++)
		if (strcmp(r->said_held[i], id) == 0)
			return 1;
	snprintf(r->said_held[r->said_next], sizeof(r->said_held[0]), "%s",
	    id);
	r->said_next = (r->said_next + 1) % RUNNER_SAID_MAX;
	return 0;
}

int runner_gate_series(struct runner_pass_state *p,
    const struct envelope *env, const char **ids, size_t max, size_t *n)
{
	struct series_verdict v;
	struct runner_gate *g;

	*n = 0;
	g = gate_get(&p->gate, p->r, p->now);
	if (g == NULL)
		return 1;	/* no table, no verdict: keep it */
	if (done_has(g, env->series))
		return 1;
	series_verdict(&g->set, env, &v);
	switch (v.st) {
	case SERIES_NONE:
		return 0;
	case SERIES_WAIT:
		/* Held for a time: a pass is due when the wait ends. */
		if (v.until < p->res->next_wake)
			p->res->next_wake = v.until;
		log_msg(LOG_LVL_DEBUG, env->id, "not sent: %s", v.reason);
		return 1;
	case SERIES_HELD:
		log_msg(said_before(p->r, env->id) ? LOG_LVL_DEBUG :
		    LOG_LVL_INFO, env->id, "held: %s", v.reason);
		return 1;
	case SERIES_SUPERSEDED:
		drop_superseded(p, env->id, env->subject);
		return 1;
	case SERIES_GO:
		break;
	}
	done_add(g, env->series);
	*n = series_order(g, env->series, ids, max);
	return 1;
}

/* Delivered patch mail goes into the resend-protection index, so the same
 * patch sent to the same people again is caught by sendmail. */
void runner_gate_sent(struct runner_pass_state *p, const struct envelope *env)
{
	char dig[SPOOL_DIGEST_HEX + 1], rc[17];
	struct op_err e;
	uint64_t len;
	off_t off;
	void *map;
	int fd;

	if (!series_tag_is_patch(env->subject, strlen(env->subject)) ||
	    spool_open_msg(p->r->sp, env->id, &fd, &off, &len, &e) < 0)
		return;
	map = mmap(NULL, (size_t)off + (size_t)len, PROT_READ, MAP_PRIVATE,
	    fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return;
	resend_digest((const char *)map + off, (size_t)len, dig);
	munmap(map, (size_t)off + (size_t)len);
	if (resend_rcpts(env, rc) < 0 ||
	    resend_record(p->r->sp, dig, rc, p->now, &e) < 0)
		log_msg(LOG_LVL_WARN, env->id, "not recorded for resend "
		    "protection: %s", e.msg);
}
