/*
 * spool_open()/spool_close(): create the spool tree 0700 when missing, then
 * hold one O_DIRECTORY|O_NOFOLLOW fd per directory; every later file
 * operation is *at() relative to these fds, so a path is resolved once.
 * Refuses directories that are not ours or not private; never chmods them.
 * Every directory it creates is made durable (fsync of its parent).
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/path_trust.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static void spool_reset(struct spool *sp)
{
	sp->dirfd = sp->tmpfd = sp->queuefd = sp->corruptfd = -1;
	sp->lockfd = -1;
	sp->fault = NULL;
}

/* fsync the directory that holds the entry `dir` (a path we just made):
 * without it a new directory, and with it the first message committed
 * into it, can disappear after a crash although queue/ itself was synced. */
static int sync_parent(char *dir)
{
	char *slash = strrchr(dir, '/');
	int fd, r;

	if (slash == NULL) {
		fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else if (slash == dir) {
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		*slash = '\0';
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*slash = '/';
	}
	if (fd < 0)
		return -1;
	r = fsync_dir(fd);
	close(fd);
	return r;
}

/* mkdir -p with 0700 for every component we create; existing parents are
 * left alone (they may legitimately be shared, like $HOME/.local). */
static int mkdir_parents(const char *path, struct op_err *e)
{
	char buf[sizeof(((struct spool *)0)->path)];
	size_t len = strlen(path), i;

	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) == 0) {
			if (sync_parent(buf) < 0)
				return op_errnof(e, OP_TEMP, "cannot sync the "
				    "directory holding %s", buf);
		} else if (errno != EEXIST) {
			return op_errnof(e, OP_CANTCREAT, "cannot create %s",
			    buf);
		}
		buf[i] = path[i];
	}
	return 0;
}

/* The spool holds other people's mail addresses and message text: only
 * its owner may read it, and nobody else may plant files in it. */
static int check_private(int fd, const char *what, struct op_err *e)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return op_errnof(e, OP_TEMP, "cannot stat %s", what);
	if (st.st_uid != geteuid())
		return op_errf(e, OP_NOPERM, "%s is owned by uid %u, not by "
		    "you (uid %u): use a spool directory of your own", what,
		    (unsigned)st.st_uid, (unsigned)geteuid());
	if ((st.st_mode & 077) != 0)
		return op_errf(e, OP_NOPERM, "%s has mode %03o and is open to "
		    "other users; fix with: chmod 700 '%s'", what,
		    (unsigned)(st.st_mode & 0777), what);
	return 0;
}

/* Open (creating when missing) one of tmp/ queue/ corrupt/; *made is set
 * when it was created, so the caller syncs the spool directory. */
static int open_sub(struct spool *sp, const char *name, int *fd, int *made,
    struct op_err *e)
{
	char what[sizeof(sp->path) + 16];

	snprintf(what, sizeof(what), "%s/%s", sp->path, name);
	if (mkdirat(sp->dirfd, name, 0700) == 0)
		*made = 1;
	else if (errno != EEXIST)
		return op_errnof(e, OP_CANTCREAT, "cannot create %s", what);
	/* O_NOFOLLOW: a symlink planted in place of queue/ is refused
	 * (ELOOP), never followed somewhere else. */
	*fd = openat(sp->dirfd, name, DIR_FLAGS);
	if (*fd < 0)
		return op_errnof(e, errno == ELOOP || errno == ENOTDIR ?
		    OP_NOPERM : OP_TEMP, "cannot open %s (must be a real "
		    "directory)", what);
	return check_private(*fd, what, e);
}

/* A directory above the spool that someone else can write (without the
 * sticky bit) lets them rename our spool away and put theirs in its place. */
static int check_parents(const char *path, struct op_err *e)
{
	char why[OP_ERR_MAX];

	if (path_trusted(path, "spool", 1, why, sizeof(why)) < 0)
		return op_errf(e, OP_NOPERM, "%s", why);
	return 0;
}

int spool_open(struct spool *sp, const char *path, struct op_err *e)
{
	size_t len = path != NULL ? strlen(path) : 0;
	int made = 0;

	spool_reset(sp);
	if (len == 0 || len >= sizeof(sp->path))
		return op_errf(e, OP_CONFIG, "spool path empty or too long");
	memcpy(sp->path, path, len + 1);
	if (mkdir_parents(path, e) < 0)
		return -1;
	sp->dirfd = open(path, DIR_FLAGS);
	if (sp->dirfd < 0) {
		op_errnof(e, errno == ELOOP || errno == ENOTDIR ? OP_NOPERM :
		    OP_TEMP, "cannot open spool %s (must be a real directory)",
		    path);
		return -1;
	}
	if (check_private(sp->dirfd, path, e) < 0 || check_parents(path, e) < 0 ||
	    open_sub(sp, "tmp", &sp->tmpfd, &made, e) < 0 ||
	    open_sub(sp, "queue", &sp->queuefd, &made, e) < 0 ||
	    open_sub(sp, "corrupt", &sp->corruptfd, &made, e) < 0) {
		spool_close(sp);
		return -1;
	}
	/* New subdirectories are entries of the spool dir: durable first. */
	if (made && fsync_dir(sp->dirfd) < 0) {
		op_errnof(e, OP_TEMP, "cannot sync spool %s", path);
		spool_close(sp);
		return -1;
	}
	return 0;
}

void spool_close(struct spool *sp)
{
	int *fds[] = { &sp->dirfd, &sp->tmpfd, &sp->queuefd, &sp->corruptfd,
	    &sp->lockfd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
