/*
 * Reading committed messages: the envelope header of queue/<id>.msg, the
 * newer state in queue/<id>.env when present, and the message bytes.
 * Read-only; a file that does not parse is reported (OP_DATA), never
 * repaired or guessed here (recovery moves it to corrupt/).
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"

/* Read from offset 0 until the blank line that ends the header, EOF or
 * the size cap; *got bytes land in a malloc'd *out.  *size = the file's
 * size when the reads reached its end (a regular file reads short only
 * there), else -1: the first read of 16 KB holds the whole file of most
 * messages, which then costs no fstat(). */
static int read_head(int fd, char **out, size_t *got, off_t *size)
{
	size_t cap = 16384, len = 0;
	char *buf = NULL, *p;

	*size = -1;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (cap > SPOOL_ENV_MAX)
				break;
			cap *= 2;
		}
		if ((p = realloc(buf, cap)) == NULL)
			goto fail;
		buf = p;
		n = pread(fd, buf + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if ((size_t)n < cap - len)
			*size = (off_t)(len + (size_t)n);
		if (n == 0 || memmem(buf + (len ? len - 1 : 0),
		    len + (size_t)n - (len ? len - 1 : 0), "\n\n", 2) != NULL) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	*out = buf;
	*got = len;
	return 0;
fail:
	free(buf);
	return -1;
}

/* keep: when not NULL, the bytes read (the header first) are handed over
 * there instead of freed. */
static int parse_head(int fd, const char *what, struct envelope *env,
    size_t *hdrlen, off_t *size, char **keep, struct op_err *e)
{
	char *buf;
	size_t len;
	struct op_err pe;

	if (read_head(fd, &buf, &len, size) < 0)
		return op_errnof(e, OP_TEMP, "cannot read %s", what);
	if (envelope_parse(buf, len, env, hdrlen, &pe) < 0) {
		free(buf);
		return op_errf(e, OP_DATA, "%s: %s", what, pe.msg);
	}
	if (keep != NULL)
		*keep = buf;
	else
		free(buf);
	return 0;
}

int spool_read_header(int fd, const char *what, struct envelope *env,
    size_t *hdrlen, struct op_err *e)
{
	off_t size;

	return parse_head(fd, what, env, hdrlen, &size, NULL, e);
}

static int open_queued(struct spool *sp, const char *id, const char *suffix,
    char name[SPOOL_NAME_MAX], struct op_err *e)
{
	int fd;

	if (spool_name(name, id, suffix) < 0)
		return op_errf(e, OP_DATA, "invalid queue id");
	fd = openat(sp->queuefd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return op_errnof(e, errno == ENOENT ? OP_NOINPUT : OP_TEMP,
		    "cannot open queue/%s", name);
	return fd;
}

/* The .env copy must be the whole file and name the same message. */
static int load_env(struct spool *sp, const char *id, struct envelope *env,
    struct op_err *e)
{
	char name[SPOOL_NAME_MAX], *buf;
	size_t len, used;
	struct op_err pe;

	if (spool_name(name, id, ".env") < 0)
		return op_errf(e, OP_DATA, "invalid queue id");
	if (read_file_max(sp->queuefd, name, SPOOL_ENV_MAX, &buf, &len) < 0)
		return errno == ENOENT ? 0 : op_errnof(e, errno == EFBIG ?
		    OP_DATA : OP_TEMP, "cannot read queue/%s", name);
	if (envelope_parse(buf, len, env, &used, &pe) < 0) {
		free(buf);
		return op_errf(e, OP_DATA, "queue/%s: %s", name, pe.msg);
	}
	free(buf);
	if (used != len || strcmp(env->id, id) != 0) {
		envelope_free(env);
		return op_errf(e, OP_DATA, "queue/%s: trailing data or wrong "
		    "id", name);
	}
	return 1;
}

/* Parse the header of queue/<id>.msg, open on fd, into *env (caller
 * frees; freed here on failure, fd left open). */
static int msg_parse_fd(int fd, const char *id, size_t *hdrlen,
    uint64_t *len, struct envelope *env, char **keep, struct op_err *e)
{
	char what[SPOOL_NAME_MAX + 8];
	struct stat st;
	off_t size;

	if (spool_name(what + 6, id, ".msg") < 0)
		return op_errf(e, OP_DATA, "invalid queue id");
	memcpy(what, "queue/", 6);
	if (parse_head(fd, what, env, hdrlen, &size, keep, e) < 0)
		return -1;
	if (size < 0 && fstat(fd, &st) < 0) {
		op_errnof(e, OP_TEMP, "cannot stat %s", what);
		goto fail_env;
	}
	if (size < 0)
		size = st.st_size;
	if (strcmp(env->id, id) != 0 || (uint64_t)size < *hdrlen) {
		op_errf(e, OP_DATA, "%s: header names another id", what);
		goto fail_env;
	}
	*len = (uint64_t)size - *hdrlen;
	return 0;
fail_env:
	envelope_free(env);
	if (keep != NULL) {
		free(*keep);
		*keep = NULL;
	}
	return -1;
}

/* Open queue/<id>.msg and parse its header into *env (caller frees). */
static int msg_open(struct spool *sp, const char *id, int *fd,
    size_t *hdrlen, uint64_t *len, struct envelope *env, char **keep,
    struct op_err *e)
{
	char name[SPOOL_NAME_MAX];
	int f = open_queued(sp, id, ".msg", name, e);

	if (f < 0)
		return -1;
	if (msg_parse_fd(f, id, hdrlen, len, env, keep, e) < 0) {
		close(f);
		return -1;
	}
	*fd = f;
	return 0;
}

int spool_load_locked(struct spool *sp, const char *id, int fd,
    struct envelope *env, off_t *body, struct op_err *e)
{
	uint64_t size = 0;
	size_t hdrlen = 0;
	struct stat st;

	envelope_init(env);
	/* Opened by name before the lock was taken: a delete (or a
	 * delivery) in between leaves us a locked file that is no longer in
	 * the queue.  Gone is gone, as if the open had failed. */
	if (fstat(fd, &st) < 0)
		return op_errnof(e, OP_TEMP, "cannot stat queue/%s.msg", id);
	if (st.st_nlink == 0)
		return op_errf(e, OP_NOINPUT, "queue/%s.msg is gone", id);
	if (msg_parse_fd(fd, id, &hdrlen, &size, env, NULL, e) < 0 ||
	    spool_load_env_over(sp, id, env, e) < 0)
		return -1;
	env->size = size;
	*body = (off_t)hdrlen;
	return 0;
}

int spool_open_msg(struct spool *sp, const char *id, int *fd, off_t *off,
    uint64_t *len, struct op_err *e)
{
	struct envelope env;
	size_t hdrlen;

	if (msg_open(sp, id, fd, &hdrlen, len, &env, NULL, e) < 0)
		return -1;
	envelope_free(&env);
	/* Positioned at the message too, for callers that just read(). */
	if (lseek(*fd, (off_t)hdrlen, SEEK_SET) < 0) {
		op_errnof(e, OP_TEMP, "cannot seek in queue/%s.msg", id);
		close(*fd);
		*fd = -1;
		return -1;
	}
	*off = (off_t)hdrlen;
	return 0;
}

int spool_load_env_over(struct spool *sp, const char *id,
    struct envelope *env, struct op_err *e)
{
	struct envelope newer;
	int r = load_env(sp, id, &newer, e);

	if (r < 0)
		envelope_free(env);
	if (r == 1) {
		envelope_free(env);
		*env = newer;
	}
	return r;
}

int spool_load_msg_hdr(struct spool *sp, const char *id,
    struct envelope *env, char **hdr, size_t *hdrlen, uint64_t *size,
    struct op_err *e)
{
	int fd;

	*hdr = NULL;
	envelope_init(env);
	if (msg_open(sp, id, &fd, hdrlen, size, env, hdr, e) < 0)
		return -1;
	close(fd);
	return 0;
}

/* with_env: also look for queue/<id>.env (else the .msg header is it). */
static int load(struct spool *sp, const char *id, int with_env,
    struct envelope *env, struct op_err *e)
{
	uint64_t size;
	size_t hdrlen;
	int fd;

	/* The .msg header is parsed even when a .env exists: it is what
	 * tells us where the message starts, hence its size.  *env is
	 * always safe to envelope_free(), even after a failure. */
	envelope_init(env);
	if (msg_open(sp, id, &fd, &hdrlen, &size, env, NULL, e) < 0)
		return -1;
	close(fd);
	if (with_env && spool_load_env_over(sp, id, env, e) < 0)
		return -1;
	env->size = size;
	return 0;
}

int spool_load(struct spool *sp, const char *id, struct envelope *env,
    struct op_err *e)
{
	return load(sp, id, 1, env, e);
}

int spool_load_listed(struct spool *sp, const struct spool_list *l,
    size_t i, struct envelope *env, struct op_err *e)
{
	return load(sp, l->ids[i], l->has_env == NULL || l->has_env[i], env,
	    e);
}

int spool_load_state(struct spool *sp, const char *id, struct envelope *env,
    struct op_err *e)
{
	int r;

	envelope_init(env);
	r = load_env(sp, id, env, e);
	if (r == 1)
		env->size = 0;
	return r;
}
