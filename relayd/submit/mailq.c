/*
 * mailq driver: list, in queue id order (ids start with the arrival time in
 * microseconds, so id order is submission order), load each envelope (the
 * .msg headers from the spool's mailq index when it is current) and hand
 * it to a renderer.  A message that vanished or is corrupt is skipped
 * with a warning; one bad file never hides the rest of the queue.
 */
#include "relayd/submit/mailq.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relayd/submit/notice.h"
#include "util/printable.h"

/* The series gate's view, as the runner would decide now; the table is
 * built only when the queue holds a series member. */
struct mailq_series {
	struct spool *sp;
	uint64_t wait;
	int built;		/* 1 built, -1 failed */
	struct series_set set;
	struct series_verdict v;
};

static void hold_of(struct mailq_series *ms, const struct envelope *env,
    struct mailq_hold *h)
{
	mailq_hold_of(env, h);
	if (h->state != NULL || env->series[0] == '\0' || env->released)
		return;
	if (ms->built == 0)
		ms->built = series_set_build(ms->sp, (int64_t)time(NULL),
		    ms->wait, &ms->set, NULL) == 0 ? 1 : -1;
	if (ms->built < 0)
		return;
	series_verdict(&ms->set, env, &ms->v);
	if (ms->v.st == SERIES_WAIT || ms->v.st == SERIES_HELD ||
	    ms->v.st == SERIES_SUPERSEDED) {
		h->state = ms->v.st == SERIES_WAIT ? "waiting" : "held";
		h->reason = ms->v.reason;
	}
}

static void show_one(FILE *out, enum mailq_format fmt,
    struct mailq_series *ms, const struct envelope *env, uint64_t *bytes,
    size_t *n)
{
	struct mailq_hold h;

	hold_of(ms, env, &h);
	if (fmt == MAILQ_JSON) {
		mailq_json_msg(out, env, &h);
	} else {
		if (*n == 0)
			mailq_text_header(out);
		mailq_text_msg(out, env, &h);
	}
	*bytes += env->size;
	(*n)++;
}

int mailq_print(struct spool *sp, FILE *out, FILE *warn,
    enum mailq_format fmt, uint64_t series_wait, struct op_err *e)
{
	return mailq_print_sel(sp, out, warn, fmt, series_wait, 0, NULL, e);
}

int mailq_print_sel(struct spool *sp, FILE *out, FILE *warn,
    enum mailq_format fmt, uint64_t series_wait, int only_failed,
    struct notice *note, struct op_err *e)
{
	struct mailq_series ms = { sp, series_wait, 0, { 0 }, { 0 } };
	struct spool_list l = { 0 };
	struct spool_index ix;
	struct envelope env;
	struct op_err le;
	uint64_t bytes = 0;
	size_t i, n = 0;

	if (spool_list(sp, &l, e) < 0)	/* sorted: submission order */
		return -1;
	spool_index_begin(sp, &ix);
	for (i = 0; i < l.n; i++) {
		envelope_init(&env);
		op_err_clear(&le);
		if (spool_index_load(sp, &ix, &l, i, &env, &le) < 0) {
			char why[OP_ERR_MAX];

			printable(why, sizeof(why), le.msg, strlen(le.msg));
			fprintf(warn, "outpost mailq: skipping %s: %s\n",
			    l.ids[i], why);
		} else {
			if (note != NULL && l.has_env[i])
				notice_note(note, &env);
			if (!only_failed || env.failed != 0)
				show_one(out, fmt, &ms, &env, &bytes, &n);
		}
		envelope_free(&env);
	}
	spool_index_end(sp, &ix);
	spool_list_free(&l);
	if (ms.built > 0)
		series_set_free(&ms.set);
	if (fmt == MAILQ_TEXT)
		mailq_text_footer(out, bytes, n);
	if (fflush(out) != 0 || ferror(out))
		return op_errnof(e, OP_TEMP, "writing the queue listing");
	return 0;
}
