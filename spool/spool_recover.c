/*
 * Start-up recovery, one stated rule per kind of leftover (the state table
 * is in spool/README.md).  Run by the runner under the runner lock, before
 * any delivery.  Never deletes a committed message and never guesses: what
 * does not parse goes to corrupt/ untouched.
 */
#include "spool/spool_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"

struct names { char (*v)[NAME_MAX + 1]; size_t n, cap; };

/* Snapshot a directory first, so renames and unlinks during the walk
 * cannot make readdir() skip or repeat entries. */
static int names_read(int dirfd, struct names *nm)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	nm->v = NULL;
	nm->n = nm->cap = 0;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		size_t len = strnlen(de->d_name, NAME_MAX + 1);

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0
		    || len > NAME_MAX)
			continue;
		if (nm->n == nm->cap) {
			size_t cap = nm->cap ? nm->cap * 2 : 32;
			void *p = realloc(nm->v, cap * sizeof(*nm->v));

			if (p == NULL)
				break;
			nm->v = p;
			nm->cap = cap;
		}
		memcpy(nm->v[nm->n++], de->d_name, len + 1);
	}
	if (errno != 0) {
		closedir(d);
		free(nm->v);
		return -1;
	}
	closedir(d);
	return 0;
}

/* tmp/: a file whose flock() we can take has no live writer: remove it.
 * The name is unlinked while we hold the lock, so a writer that raced us
 * between its create and its flock sees the name gone and starts over. */
static void recover_tmp(struct spool *sp, const char *name, unsigned *count)
{
	struct stat a, b;
	int fd = openat(sp->tmpfd, name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return;		/* gone, a symlink, or unreadable: not ours */
	if (fstat(fd, &a) < 0 || !S_ISREG(a.st_mode) ||
	    flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);	/* not a file of ours, or a live writer */
		return;
	}
	if (fstatat(sp->tmpfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
	    unlinkat(sp->tmpfd, name, 0) == 0)
		(*count)++;
	close(fd);
}

/* 1 when `name` is "<valid id><suffix>", with the id copied out. */
static int split_name(const char *name, const char *suffix,
    char id[SPOOL_QID_LEN + 1])
{
	size_t slen = strlen(suffix);

	if (strlen(name) != SPOOL_QID_LEN + slen ||
	    strcmp(name + SPOOL_QID_LEN, suffix) != 0)
		return 0;
	memcpy(id, name, SPOOL_QID_LEN);
	id[SPOOL_QID_LEN] = '\0';
	return qid_ok(id);
}

static int is_regular(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? -1 : 0;
	return S_ISREG(st.st_mode);
}

/* Move .msg (and its .env, if any) aside together: state without its
 * message, or a message with state we cannot read, are both unusable. */
static int to_corrupt(struct spool *sp, const char *id,
    struct spool_recovery *r, struct op_err *e)
{
	char name[SPOOL_NAME_MAX];
	const char *sfx[] = { ".msg", ".env" };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (spool_name(name, id, sfx[i]) < 0)
			return op_errf(e, OP_SOFTWARE, "bad id");
		if (is_regular(sp->queuefd, name) < 0)
			continue;	/* not there */
		if (spool_move_corrupt(sp, name, e) < 0)
			return -1;
		r->corrupt_moved++;
	}
	return 0;
}

/* A committed message: parse it (with its .env); in-flight means the
 * runner died during the final "." -- the server may have the message. */
static int recover_msg(struct spool *sp, const char *id,
    struct spool_recovery *r, struct op_err *e)
{
	struct envelope env;
	struct op_err le;

	if (spool_load(sp, id, &env, &le) < 0) {
		if (le.st == OP_NOINPUT)
			return 0;	/* gone meanwhile */
		if (le.st != OP_DATA)
			return op_errf(e, le.st, "%s", le.msg);
		return to_corrupt(sp, id, r, e);
	}
	if (env.in_flight) {
		env.in_flight = 0;
		env.possibly_delivered = 1;
		if (spool_update(sp, &env, e) < 0) {
			envelope_free(&env);
			return -1;
		}
		spool_recovery_mark(r, id);
	}
	envelope_free(&env);
	return 0;
}

static int recover_queue_entry(struct spool *sp, const char *name,
    struct spool_recovery *r, struct op_err *e)
{
	char id[SPOOL_QID_LEN + 1], msg[SPOOL_NAME_MAX];
	int reg = is_regular(sp->queuefd, name);

	if (reg < 0)
		return 0;		/* already moved or removed */
	if (reg && split_name(name, ".msg", id))
		return recover_msg(sp, id, r, e);
	if (reg && split_name(name, ".env", id)) {
		if (spool_name(msg, id, ".msg") < 0 ||
		    is_regular(sp->queuefd, msg) >= 0)
			return 0;	/* has its message (or is handled with it) */
		/* State of a message already removed: remove.c unlinks .msg
		 * first, so this is the tail of a finished removal. */
		if (unlinkat(sp->queuefd, name, 0) < 0 && errno != ENOENT)
			return op_errnof(e, OP_TEMP, "cannot remove queue/%s",
			    name);
		r->orphan_env_removed++;
		return 0;
	}
	/* Anything else is not ours to interpret: set aside, keep. */
	if (spool_move_corrupt(sp, name, e) < 0)
		return -1;
	r->corrupt_moved++;
	return 0;
}

int spool_recover(struct spool *sp, struct spool_recovery *r,
    struct op_err *e)
{
	struct op_err first = { OP_OK, "" }, le;
	struct names nm;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (names_read(sp->tmpfd, &nm) < 0)
		return op_errnof(e, OP_TEMP, "cannot read %s/tmp", sp->path);
	for (i = 0; i < nm.n; i++)
		recover_tmp(sp, nm.v[i], &r->tmp_removed);
	free(nm.v);
	if (names_read(sp->queuefd, &nm) < 0)
		return op_errnof(e, OP_TEMP, "cannot read %s/queue", sp->path);
	/* One bad entry must not stop the others: keep the first error. */
	for (i = 0; i < nm.n; i++)
		if (recover_queue_entry(sp, nm.v[i], r, &le) < 0 &&
		    first.st == OP_OK)
			first = le;
	free(nm.v);
	if (r->orphan_env_removed > 0 && fsync_dir(sp->queuefd) < 0)
		return op_errnof(e, OP_TEMP, "cannot sync queue/");
	/* After the scan: what it moved aside is not flagged twice. */
	if (spool_journal_recover(sp, r, &le) < 0 && first.st == OP_OK)
		first = le;
	if (first.st != OP_OK)
		return op_errf(e, first.st, "%s", first.msg);
	return 0;
}
