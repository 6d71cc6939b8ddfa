/*
 * Changing what is queued: the delivery state file queue/<id>.env is
 * replaced atomically (tmp + fsync + rename + fsync(dir)); messages are
 * removed .msg first; unreadable entries are moved to corrupt/.  The .msg
 * body is never modified here, and nothing is ever deleted from corrupt/.
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"

static int upd_fail(struct spool *sp, int fd, const char *tmp,
    struct op_err *e, const char *what)
{
	op_errnof(e, OP_TEMP, "spool %s: %s", sp->path, what);
	if (fd >= 0) {
		unlinkat(sp->tmpfd, tmp, 0);
		close(fd);
	}
	return -1;
}

static int upd_write(struct spool *sp, int fd, const struct envelope *env,
    struct op_err *e)
{
	char *buf;
	size_t len;
	int r;

	if (envelope_format(env, &buf, &len, e) < 0)
		return -1;
	r = spool_fault_hit(sp, SPOOL_STEP_UPD_WRITE) < 0 ? -1 :
	    write_all(fd, buf, len);
	free(buf);
	if (r < 0)
		return op_errnof(e, OP_TEMP, "cannot write the state file");
	return 0;
}

/* The synced tmp file becomes queue/<id>.env: under the state lock, with
 * the no-state hint gone for good before the name appears. */
static int upd_publish(struct spool *sp, int fd, const char *tmp,
    const char *name, struct op_err *e)
{
	int lk = spool_state_lock(sp), r;

	if (lk < 0 || spool_nostate_clear(sp) < 0) {
		spool_state_unlock(lk);
		return upd_fail(sp, fd, tmp, e, "cannot clear the nostate hint");
	}
	/* rename() over our own previous state file is the point: readers
	 * see the old state or the new one, never a mix. */
	r = spool_fault_hit(sp, SPOOL_STEP_UPD_RENAME) < 0 ||
	    renameat(sp->tmpfd, tmp, sp->queuefd, name) < 0 ? -1 : 0;
	spool_state_unlock(lk);
	if (r < 0)
		return upd_fail(sp, fd, tmp, e, "cannot rename the state file");
	close(fd);
	if (spool_fault_hit(sp, SPOOL_STEP_UPD_FSYNC_DIR) < 0 ||
	    fsync_dir(sp->queuefd) < 0)
		return op_errnof(e, OP_TEMP, "spool %s: cannot sync queue/",
		    sp->path);
	return 0;
}

int spool_update(struct spool *sp, const struct envelope *env,
    struct op_err *e)
{
	char tmp[SPOOL_NAME_MAX] = "", name[SPOOL_NAME_MAX];
	struct stat st;
	int fd = -1;

	if (spool_name(name, env->id, ".msg") < 0)
		return op_errf(e, OP_SOFTWARE, "spool_update: invalid id");
	/* State for a message that is gone would be an orphan. */
	if (fstatat(sp->queuefd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return op_errnof(e, errno == ENOENT ? OP_NOINPUT : OP_TEMP,
		    "queue/%s", name);
	spool_name(name, env->id, ".env");
	if (spool_fault_hit(sp, SPOOL_STEP_UPD_CREATE) < 0 ||
	    (fd = spool_tmp_create(sp, tmp)) < 0)
		return upd_fail(sp, -1, tmp, e, "cannot create a file in tmp/");
	if (upd_write(sp, fd, env, e) < 0)
		return upd_fail(sp, fd, tmp, NULL, "");
	if (spool_fault_hit(sp, SPOOL_STEP_UPD_FSYNC) < 0 || fsync(fd) < 0)
		return upd_fail(sp, fd, tmp, e, "cannot sync the state file");
	return upd_publish(sp, fd, tmp, name, e);
}

int spool_unlink_msg(struct spool *sp, const char *id, struct op_err *e)
{
	char msg[SPOOL_NAME_MAX], env[SPOOL_NAME_MAX];

	if (spool_name(msg, id, ".msg") < 0 || spool_name(env, id, ".env") < 0)
		return op_errf(e, OP_SOFTWARE, "spool_remove: invalid id");
	/* .msg first: a crash in between leaves an orphan .env, which
	 * recovery removes, rather than a message with lost state. */
	if (unlinkat(sp->queuefd, msg, 0) < 0 && errno != ENOENT)
		return op_errnof(e, OP_TEMP, "cannot remove queue/%s", msg);
	if (unlinkat(sp->queuefd, env, 0) < 0 && errno != ENOENT)
		return op_errnof(e, OP_TEMP, "cannot remove queue/%s", env);
	return 0;
}

int spool_remove(struct spool *sp, const char *id, struct op_err *e)
{
	if (spool_unlink_msg(sp, id, e) < 0)
		return -1;
	if (fsync_dir(sp->queuefd) < 0)
		return op_errnof(e, OP_TEMP, "cannot sync queue/");
	return 0;
}

/* Move without replacing: on a name clash in corrupt/ try name.1 .. .99. */
static int move_noreplace(struct spool *sp, const char *name)
{
	char dst[NAME_MAX + 8];
	int i;

	if (renameat2(sp->queuefd, name, sp->corruptfd, name,
	    RENAME_NOREPLACE) == 0)
		return 0;
	for (i = 1; errno == EEXIST && i < 100; i++) {
		int n = snprintf(dst, sizeof(dst), "%s.%d", name, i);

		if (n < 0 || (size_t)n >= sizeof(dst)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (renameat2(sp->queuefd, name, sp->corruptfd, dst,
		    RENAME_NOREPLACE) == 0)
			return 0;
	}
	return -1;
}

int spool_move_corrupt(struct spool *sp, const char *name, struct op_err *e)
{
	size_t len = strnlen(name, NAME_MAX + 1);

	/* A name straight from readdir(), but never trust it into a path. */
	if (len == 0 || len > NAME_MAX || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return op_errf(e, OP_SOFTWARE, "spool_move_corrupt: bad name");
	if (move_noreplace(sp, name) < 0)
		return op_errnof(e, OP_TEMP, "cannot move queue entry to "
		    "corrupt/");
	/* Both directories changed: sync the arrival before the departure. */
	if (fsync_dir(sp->corruptfd) < 0 || fsync_dir(sp->queuefd) < 0)
		return op_errnof(e, OP_TEMP, "cannot sync corrupt/");
	return 0;
}
