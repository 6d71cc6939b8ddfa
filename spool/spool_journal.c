/*
 * spool_journal_*: group commit for the runner.  The in-flight marks of a
 * window of messages are appended to <spool>/journal and made durable with
 * one fdatasync.  A removal after delivery costs no sync of its own: its
 * "removed" line goes out with the next mark's write and sync (the close
 * syncs queue/ for the last ones), and the unlink itself may run on a
 * worker thread (spool_reaper.c).  Recovery (spool_journal_recover) flags
 * every message still marked as "possibly delivered" and finishes every
 * removal.  Rule and crash guarantees: spool/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool/spool_int.h"
#include "util/fsio.h"

#define JNL_NAME	"journal"
#define JNL_LINE	(sizeof("in-flight ") + SPOOL_QID_LEN)	/* with LF */
#define JNL_MAX		((off_t)64 << 20)	/* read at most this much */

int spool_journal_open(struct spool *sp, struct spool_journal *j,
    struct op_err *e)
{
	j->sp = sp;
	j->unsynced = 0;
	j->fd = -1;
	j->pend = NULL;
	j->plen = j->pcap = 0;
	j->reaper = NULL;
	/* O_APPEND, never O_TRUNC: marks a dead runner left and recovery
	 * has not read yet must survive until it does. */
	if (spool_fault_hit(sp, SPOOL_STEP_JNL_CREATE) < 0 ||
	    (j->fd = openat(sp->dirfd, JNL_NAME, O_WRONLY | O_CREAT |
	    O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return op_errnof(e, OP_TEMP, "cannot open %s/%s", sp->path,
		    JNL_NAME);
	if (spool_fault_hit(sp, SPOOL_STEP_JNL_FSYNC_DIR) < 0 ||
	    fsync_dir(sp->dirfd) < 0) {
		close(j->fd);
		j->fd = -1;
		return op_errnof(e, OP_TEMP, "cannot sync %s", sp->path);
	}
	return 0;
}

int spool_journal_async(struct spool_journal *j, struct op_err *e)
{
	if (j->reaper != NULL)
		return 0;
	return spool_reaper_start(j->sp, &j->reaper, e);
}

/* "<what> <id>\n" for each id, after `head` (hlen bytes), into one
 * malloc'd buffer; its length in *len, NULL on a bad id or no memory. */
static char *lines(const char *head, size_t hlen, const char *what,
    const char *const *ids, size_t n, size_t *len, struct op_err *e)
{
	char *buf = malloc(hlen + n * JNL_LINE + 1);
	size_t o = hlen, i;

	if (buf == NULL) {
		op_errf(e, OP_TEMP, "journal: out of memory");
		return NULL;
	}
	if (hlen != 0)
		memcpy(buf, head, hlen);
	for (i = 0; i < n; i++) {
		if (!qid_ok(ids[i])) {
			free(buf);
			op_errf(e, OP_SOFTWARE, "journal: invalid id");
			return NULL;
		}
		o += (size_t)snprintf(buf + o, JNL_LINE + 1, "%s %s\n", what,
		    ids[i]);
	}
	*len = o;
	return buf;
}

static int append(struct spool_journal *j, const char *what,
    const char *const *ids, size_t n, enum spool_step step,
    struct op_err *e)
{
	size_t len;
	char *buf = lines(j->pend, j->plen, what, ids, n, &len, e);
	int rc = 0;

	if (buf == NULL)
		return -1;
	if (spool_fault_hit(j->sp, step) < 0 || write_all(j->fd, buf, len) < 0)
		rc = op_errnof(e, OP_TEMP, "cannot write %s/%s", j->sp->path,
		    JNL_NAME);
	else
		j->plen = 0;		/* the pending lines went with it */
	free(buf);
	return rc;
}

/* Removals since the last sync become durable here. */
static int sync_queue(struct spool_journal *j, struct op_err *e)
{
	if (!j->unsynced)
		return 0;
	if (spool_fault_hit(j->sp, SPOOL_STEP_JNL_SYNC_QUEUE) < 0 ||
	    fsync_dir(j->sp->queuefd) < 0)
		return op_errnof(e, OP_TEMP, "cannot sync queue/");
	j->unsynced = 0;
	return 0;
}

int spool_journal_mark(struct spool_journal *j, const char *const *ids,
    size_t n, struct op_err *e)
{
	/* The worker removes the last group while this one syncs. */
	if (j->reaper != NULL)
		spool_reaper_kick(j->reaper);
	if (append(j, "in-flight", ids, n, SPOOL_STEP_JNL_WRITE, e) < 0)
		return -1;
	if (spool_fault_hit(j->sp, SPOOL_STEP_JNL_FSYNC) < 0 ||
	    fdatasync(j->fd) < 0)
		return op_errnof(e, OP_TEMP, "cannot sync %s/%s", j->sp->path,
		    JNL_NAME);
	return 0;
}

int spool_journal_done(struct spool_journal *j, const char *id,
    struct op_err *e)
{
	return append(j, "done", &id, 1, SPOOL_STEP_JNL_DONE, e);
}

/* Keep "removed <id>" for the next write; written at once when memory
 * is short (an early write is as good: only the sync makes it count). */
static int pend_removed(struct spool_journal *j, const char *id,
    struct op_err *e)
{
	char *p;

	if (j->plen + JNL_LINE > j->pcap) {
		size_t cap = j->pcap ? j->pcap * 2 : 64 * JNL_LINE;

		if ((p = realloc(j->pend, cap)) == NULL)
			return append(j, "removed", &id, 1,
			    SPOOL_STEP_JNL_WRITE, e);
		j->pend = p;
		j->pcap = cap;
	}
	j->plen += (size_t)snprintf(j->pend + j->plen, j->pcap - j->plen,
	    "removed %s\n", id);
	return 0;
}

int spool_journal_remove(struct spool_journal *j, const char *id,
    int *lockfd, struct op_err *e)
{
	if (spool_fault_hit(j->sp, SPOOL_STEP_JNL_REMOVE) < 0)
		return op_errnof(e, OP_TEMP, "cannot remove %s", id);
	if (!qid_ok(id))
		return op_errf(e, OP_SOFTWARE, "journal: invalid id");
	if (pend_removed(j, id, e) < 0)
		return -1;
	j->unsynced = 1;
	if (j->reaper != NULL && lockfd != NULL && *lockfd >= 0) {
		spool_reaper_put(j->reaper, id, *lockfd);
		*lockfd = -1;
		return 0;
	}
	return spool_unlink_msg(j->sp, id, e);
}

/* A journal that stays for recovery gets the removal lines it lacks, and
 * a sync for those a "done" line took along, so recovery finishes those
 * removals instead of flagging the messages. */
static void flush_pending(struct spool_journal *j)
{
	if (j->plen == 0 || write_all(j->fd, j->pend, j->plen) == 0)
		(void)fdatasync(j->fd);
	j->plen = 0;
}

int spool_journal_close(struct spool_journal *j, int keep,
    struct op_err *e)
{
	int rc = 0;

	if (j->fd < 0)
		return 0;
	if (j->reaper != NULL && spool_reaper_drain(j->reaper, e) < 0)
		rc = -1;
	spool_reaper_stop(j->reaper);
	j->reaper = NULL;
	/* A failed removal or sync keeps the journal too: recovery needs
	 * it. */
	if (rc == 0 && sync_queue(j, e) < 0)
		rc = -1;
	if (keep || rc < 0)
		flush_pending(j);
	else if (spool_fault_hit(j->sp, SPOOL_STEP_JNL_UNLINK) < 0 ||
	    unlinkat(j->sp->dirfd, JNL_NAME, 0) < 0)
		rc = op_errnof(e, OP_TEMP, "cannot remove %s/%s", j->sp->path,
		    JNL_NAME);
	free(j->pend);
	j->pend = NULL;
	j->plen = j->pcap = 0;
	close(j->fd);
	j->fd = -1;
	return rc;
}

/* One journal line: "done <id>", "in-flight <id>" or "removed <id>". */
enum jkind { J_DONE, J_INFLIGHT, J_REMOVED };
struct jent {
	char id[SPOOL_QID_LEN + 1];
	unsigned seq;
	enum jkind kind;
};

/* The keyword that opens s[0..l): its length with the space, or 0. */
static size_t keyword(const char *s, size_t l, enum jkind *kind)
{
	static const struct { const char *w; size_t n; enum jkind k; } kw[] = {
		{ "in-flight ", 10, J_INFLIGHT }, { "done ", 5, J_DONE },
		{ "removed ", 8, J_REMOVED },
	};
	size_t i;

	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (l > kw[i].n && memcmp(s, kw[i].w, kw[i].n) == 0) {
			*kind = kw[i].k;
			return kw[i].n;
		}
	return 0;
}

static int jent_cmp(const void *a, const void *b)
{
	const struct jent *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Parse buf[0, len) into *v (malloc'ed); a torn or foreign line is
 * skipped: a mark whose line is incomplete was never synced, so nothing
 * was sent after it. */
static size_t parse(const char *buf, size_t len, struct jent **v)
{
	size_t n = 0, pos = 0;

	*v = malloc((len / 10 + 1) * sizeof(**v));
	while (*v != NULL && pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos, k;
		const char *s = buf + pos;

		pos += l + 1;
		if (nl == NULL)
			break;
		k = keyword(s, l, &(*v)[n].kind);
		if (k == 0 || l - k != SPOOL_QID_LEN)
			continue;
		memcpy((*v)[n].id, s + k, SPOOL_QID_LEN);
		(*v)[n].id[SPOOL_QID_LEN] = '\0';
		if (!qid_ok((*v)[n].id))
			continue;
		(*v)[n].seq = (unsigned)n;
		n++;
	}
	return n;
}

/* A message the journal leaves in flight: flag it, if it is still here. */
static int flag(struct spool *sp, const char *id, struct spool_recovery *r,
    struct op_err *e)
{
	struct envelope env;
	struct op_err le;
	int rc = 0;

	if (spool_load(sp, id, &env, &le) < 0) {
		envelope_free(&env);
		/* Gone (delivered), or unreadable: the queue scan handles
		 * the latter. */
		return le.st == OP_NOINPUT || le.st == OP_DATA ? 0 :
		    op_errf(e, le.st, "%s", le.msg);
	}
	if (!env.possibly_delivered || env.in_flight) {
		env.in_flight = 0;
		env.possibly_delivered = 1;
		rc = spool_update(sp, &env, e);
		if (rc == 0)
			spool_recovery_mark(r, id);
	}
	envelope_free(&env);
	return rc;
}

/* A delivered message the journal says was removed: finish it.  When it
 * cannot be removed it is flagged instead, so that a pass that finds it
 * due again says it may be a second copy (its in-flight mark was only in
 * the journal). */
static int finish_removal(struct spool *sp, const char *id,
    struct spool_recovery *r, struct op_err *e)
{
	char name[SPOOL_NAME_MAX];

	if (spool_name(name, id, ".msg") < 0)
		return 0;
	if (faccessat(sp->queuefd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT)
		return 0;		/* done before the stop */
	if (spool_unlink_msg(sp, id, e) < 0)
		return flag(sp, id, r, e);
	r->delivered_removed++;
	return 0;
}

static int read_journal(struct spool *sp, char **buf, size_t *len,
    struct op_err *e)
{
	int fd = openat(sp->dirfd, JNL_NAME, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW);
	struct stat st;
	ssize_t n;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : op_errnof(e, OP_TEMP,
		    "cannot open %s/%s", sp->path, JNL_NAME);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return op_errf(e, OP_TEMP, "%s/%s: not a regular file",
		    sp->path, JNL_NAME);
	}
	*len = (size_t)(st.st_size < JNL_MAX ? st.st_size : JNL_MAX);
	*buf = malloc(*len + 1);
	n = *buf ? pread(fd, *buf, *len, 0) : -1;
	close(fd);
	if (n < 0)
		return op_errnof(e, OP_TEMP, "cannot read %s/%s", sp->path,
		    JNL_NAME);
	*len = (size_t)n;
	return 1;
}

int spool_journal_recover(struct spool *sp, struct spool_recovery *r,
    struct op_err *e)
{
	struct op_err first = { OP_OK, "" }, le;
	struct jent *v = NULL;
	size_t len, n, i;
	char *buf;
	int got = read_journal(sp, &buf, &len, e), rc;

	if (got <= 0)
		return got;
	n = parse(buf, len, &v);
	free(buf);
	if (v == NULL)
		return op_errf(e, OP_TEMP, "journal: out of memory");
	qsort(v, n, sizeof(*v), jent_cmp);
	/* The last line of each id decides: in flight is flagged, removed
	 * (delivered) is removed now if it is still there. */
	for (i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(v[i].id, v[i + 1].id) == 0)
			continue;
		rc = v[i].kind == J_INFLIGHT ? flag(sp, v[i].id, r, &le) :
		    v[i].kind == J_REMOVED ? finish_removal(sp, v[i].id, r,
		    &le) : 0;
		if (rc < 0 && first.st == OP_OK)
			first = le;
	}
	free(v);
	if (first.st == OP_OK && r->delivered_removed != 0 &&
	    fsync_dir(sp->queuefd) < 0)
		op_errnof(&first, OP_TEMP, "cannot sync queue/");
	if (first.st != OP_OK)	/* keep the journal for the next try */
		return op_errf(e, first.st, "%s", first.msg);
	if (unlinkat(sp->dirfd, JNL_NAME, 0) < 0 || fsync_dir(sp->dirfd) < 0)
		return op_errnof(e, OP_TEMP, "cannot remove %s/%s", sp->path,
		    JNL_NAME);
	return 0;
}
