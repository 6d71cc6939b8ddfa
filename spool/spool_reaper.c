/*
 * The removal of delivered messages, off the sending thread.  Deleting a
 * file can block: the last close of an unlinked inode frees its blocks,
 * and a file system mounted with `discard` (or one that zeroes or
 * checksums on free) waits for the device there, 0.1-0.5 ms per message
 * on our development VM, during which a single-threaded runner neither
 * reads replies nor fills the window.  The journal hands each delivered
 * message (its id and its still-locked descriptor) to one worker thread,
 * which unlinks queue/<id>.msg and .env and then closes the descriptor,
 * in that order, so the lock is held until the message is gone, as in the
 * synchronous path.  Nothing is synced here: the journal's "removed"
 * lines make the removals durable (spool/README.md).  The queue is
 * bounded; a full queue makes the sender wait.
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REAPER_MAX	64	/* messages waiting for removal */

struct reap_job {
	char id[SPOOL_QID_LEN + 1];
	int fd;
};

struct spool_reaper {
	struct spool *sp;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t work;		/* a job came, or stop */
	pthread_cond_t idle;		/* a job finished */
	struct reap_job q[REAPER_MAX];
	size_t head, n;			/* q[head..head+n) mod REAPER_MAX */
	int busy, stop;
	int err;			/* first errno of a failed removal */
	char err_id[SPOOL_QID_LEN + 1];
};

/* .msg first, as spool_unlink_msg(): a crash in between leaves an orphan
 * .env, which recovery removes.  0 or an errno. */
static int reap_one(struct spool *sp, const struct reap_job *j)
{
	static const char *const sfx[] = { ".msg", ".env" };
	char name[SPOOL_NAME_MAX];
	int rc = 0;
	size_t i;

	for (i = 0; i < 2 && rc == 0; i++)
		if (spool_name(name, j->id, sfx[i]) < 0)
			rc = EINVAL;
		else if (unlinkat(sp->queuefd, name, 0) < 0 && errno != ENOENT)
			rc = errno;
	if (j->fd >= 0)
		close(j->fd);		/* the lock goes with the file */
	return rc;
}

/* Takes every job queued so far at once, so the lock is held only to
 * copy them, and one wake-up serves a whole group. */
static void *reaper_main(void *arg)
{
	struct spool_reaper *r = arg;
	struct reap_job batch[REAPER_MAX];
	char err_id[SPOOL_QID_LEN + 1];
	size_t n, i;
	int err;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (r->n == 0 && !r->stop)
			pthread_cond_wait(&r->work, &r->mu);
		if (r->n == 0)
			break;
		for (n = 0; r->n > 0; n++, r->n--) {
			batch[n] = r->q[r->head];
			r->head = (r->head + 1) % REAPER_MAX;
		}
		r->busy = 1;
		pthread_mutex_unlock(&r->mu);
		for (i = 0, err = 0; i < n; i++) {
			int x = reap_one(r->sp, &batch[i]);

			if (x != 0 && err == 0) {
				err = x;
				memcpy(err_id, batch[i].id, sizeof(err_id));
			}
		}
		pthread_mutex_lock(&r->mu);
		r->busy = 0;
		if (err != 0 && r->err == 0) {
			r->err = err;
			memcpy(r->err_id, err_id, sizeof(r->err_id));
		}
		pthread_cond_broadcast(&r->idle);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int spool_reaper_start(struct spool *sp, struct spool_reaper **out,
    struct op_err *e)
{
	struct spool_reaper *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (r == NULL)
		return op_errf(e, OP_TEMP, "out of memory");
	r->sp = sp;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->work, NULL);
	pthread_cond_init(&r->idle, NULL);
	if ((err = pthread_create(&r->th, NULL, reaper_main, r)) != 0) {
		pthread_cond_destroy(&r->idle);
		pthread_cond_destroy(&r->work);
		pthread_mutex_destroy(&r->mu);
		free(r);
		errno = err;
		return op_errnof(e, OP_TEMP, "cannot start a thread");
	}
	*out = r;
	return 0;
}

/* Queued only: the worker starts at the next kick (or when the queue is
 * full), so a group costs one wake-up, not one per message. */
void spool_reaper_put(struct spool_reaper *r, const char *id, int fd)
{
	struct reap_job *j;

	pthread_mutex_lock(&r->mu);
	while (r->n == REAPER_MAX) {
		pthread_cond_signal(&r->work);
		pthread_cond_wait(&r->idle, &r->mu);
	}
	j = &r->q[(r->head + r->n) % REAPER_MAX];
	memcpy(j->id, id, SPOOL_QID_LEN);
	j->id[SPOOL_QID_LEN] = '\0';
	j->fd = fd;
	r->n++;
	pthread_mutex_unlock(&r->mu);
}

void spool_reaper_kick(struct spool_reaper *r)
{
	pthread_mutex_lock(&r->mu);
	if (r->n != 0)
		pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->mu);
}

int spool_reaper_drain(struct spool_reaper *r, struct op_err *e)
{
	int err;

	pthread_mutex_lock(&r->mu);
	if (r->n != 0)
		pthread_cond_signal(&r->work);
	while (r->n != 0 || r->busy)
		pthread_cond_wait(&r->idle, &r->mu);
	err = r->err;
	r->err = 0;
	pthread_mutex_unlock(&r->mu);
	if (err == 0)
		return 0;
	errno = err;
	return op_errnof(e, OP_TEMP, "cannot remove queue/%s.msg", r->err_id);
}

void spool_reaper_stop(struct spool_reaper *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);	/* it finishes the queue first */
	pthread_cond_destroy(&r->idle);
	pthread_cond_destroy(&r->work);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
