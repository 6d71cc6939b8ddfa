/*
 * outpost hold|release|requeue|delete: ids are validated before any path
 * is built (a hostile id is reported, never used), --all takes a snapshot
 * of the queue in submission order, and every message is changed through
 * spool_ctl() (fresh load under the message lock).  One failure does not
 * stop the others; the summary keeps the worst status.
 */
#include "relayd/submit/qctl.h"

#include <stdlib.h>
#include <string.h>

static const char *const verbs[] = {
	[SPOOL_CTL_HOLD] = "hold", [SPOOL_CTL_RELEASE] = "release",
	[SPOOL_CTL_REQUEUE] = "requeue", [SPOOL_CTL_DELETE] = "delete",
};
static const char *const dones[] = {
	[SPOOL_CTL_HOLD] = "held", [SPOOL_CTL_RELEASE] = "released",
	[SPOOL_CTL_REQUEUE] = "requeued", [SPOOL_CTL_DELETE] = "deleted",
};

const char *qctl_verb(enum spool_ctl op)
{
	return (unsigned)op < 4 ? verbs[op] : "?";
}

const char *qctl_done(enum spool_ctl op)
{
	return (unsigned)op < 4 ? dones[op] : "?";
}

/* Worse = the status a user must act on first: usage, then missing. */
static int rank(enum op_status st)
{
	switch (st) {
	case OP_OK:		return 0;
	case OP_NOINPUT:	return 1;
	case OP_TEMP:		return 2;
	case OP_USAGE:		return 4;
	default:		return 3;
	}
}

static void one(struct spool *sp, const struct qctl_req *rq, const char *id,
    void (*each)(void *, const struct qctl_item *), void *arg,
    struct qctl_sum *sum)
{
	char was[SPOOL_ACCOUNT_MAX] = "";
	struct qctl_item it;
	struct op_err e;
	int r;

	op_err_clear(&e);
	it.id = id;
	it.id_ok = qid_ok(id);
	it.was = NULL;
	if (rq->op == SPOOL_CTL_REQUEUE && rq->account != NULL) {
		r = spool_ctl_account(sp, id, rq->account, QCTL_LOCK_WAIT_MS,
		    was, sizeof(was), &e);
		it.was = was;
	} else {
		r = spool_ctl(sp, id, rq->op, rq->reason, QCTL_LOCK_WAIT_MS,
		    &e);
	}
	it.changed = r;
	it.e = r < 0 ? &e : NULL;
	if (r < 0) {
		sum->failed++;
		if (rank(e.st) > rank(sum->worst))
			sum->worst = e.st;
	} else if (r == 1) {
		sum->changed++;
	} else {
		sum->unchanged++;
	}
	if (each != NULL)
		each(arg, &it);
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

int qctl_run(struct spool *sp, const struct qctl_req *rq,
    void (*each)(void *arg, const struct qctl_item *it), void *arg,
    struct qctl_sum *sum, struct op_err *e)
{
	struct spool_list l;
	size_t i;

	memset(sum, 0, sizeof(*sum));
	if (!rq->all) {
		for (i = 0; i < rq->nids; i++)
			one(sp, rq, rq->ids[i], each, arg, sum);
		return 0;
	}
	if (spool_list(sp, &l, e) < 0)
		return -1;
	if (l.n > 1)
		qsort(l.ids, l.n, sizeof(l.ids[0]), cmp_id);
	for (i = 0; i < l.n; i++)
		one(sp, rq, l.ids[i], each, arg, sum);
	spool_list_free(&l);
	return 0;
}
