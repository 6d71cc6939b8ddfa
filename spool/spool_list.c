/*
 * spool_list(): the committed messages, queue/<id>.msg, in submission order
 * (ids sort by arrival time), each with whether a queue/<id>.env was seen
 * and the inode number the directory gives for the .msg (the mailq index
 * key).  Names that are not exactly a valid id plus ".msg" or ".env" are
 * skipped here (recovery deals with them); nothing is opened or stat()ed.
 */
#include "spool/spool_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One directory entry of either kind while scanning. */
struct ent {
	char id[SPOOL_QID_LEN + 1];
	uint64_t ino;
};

struct ents {
	struct ent *v;
	size_t n, cap;
};

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, SPOOL_QID_LEN);
}

/* 1 when `name` is "<valid id><suffix>"; the id is copied to id[]. */
static int name_is(const char *name, const char *suffix,
    char id[SPOOL_QID_LEN + 1])
{
	size_t slen = strlen(suffix);

	if (strnlen(name, SPOOL_QID_LEN + slen + 1) != SPOOL_QID_LEN + slen ||
	    memcmp(name + SPOOL_QID_LEN, suffix, slen) != 0)
		return 0;
	memcpy(id, name, SPOOL_QID_LEN);
	id[SPOOL_QID_LEN] = '\0';
	return qid_ok(id);
}

static int ents_add(struct ents *l, const char *id, uint64_t ino)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		void *p;

		if (ncap > SIZE_MAX / sizeof(*l->v))
			return -1;
		p = realloc(l->v, ncap * sizeof(*l->v));
		if (p == NULL)
			return -1;
		l->v = p;
		l->cap = ncap;
	}
	memcpy(l->v[l->n].id, id, SPOOL_QID_LEN + 1);
	l->v[l->n++].ino = ino;
	return 0;
}

/* The sorted .msg entries into *l, has_env[] from the sorted .env ones:
 * one merge of two sorted lists. */
static int fill(struct spool_list *l, const struct ents *msg,
    const struct ents *env)
{
	size_t i = 0, j = 0, n = msg->n ? msg->n : 1;

	l->ids = malloc(n * sizeof(*l->ids));
	l->ino = malloc(n * sizeof(*l->ino));
	l->has_env = calloc(n, 1);
	if (l->ids == NULL || l->ino == NULL || l->has_env == NULL)
		return -1;
	for (i = 0; i < msg->n; i++) {
		memcpy(l->ids[i], msg->v[i].id, SPOOL_QID_LEN + 1);
		l->ino[i] = msg->v[i].ino;
	}
	l->n = msg->n;
	i = 0;
	while (i < l->n && j < env->n) {
		int c = id_cmp(l->ids[i], env->v[j].id);

		if (c == 0)
			l->has_env[i] = 1;
		i += c <= 0;
		j += c >= 0;
	}
	return 0;
}

/* Both kinds of names in one readdir() pass (msg NULL: the .env only). */
static int scan(DIR *dir, struct ents *msg, struct ents *env)
{
	char id[SPOOL_QID_LEN + 1];
	struct dirent *d;

	errno = 0;
	while ((d = readdir(dir)) != NULL) {
		if ((msg != NULL && name_is(d->d_name, ".msg", id) &&
		    ents_add(msg, id, (uint64_t)d->d_ino) < 0) ||
		    (name_is(d->d_name, ".env", id) &&
		    ents_add(env, id, 0) < 0))
			return -1;
		errno = 0;
	}
	return errno != 0 ? -1 : 0;
}

/* One pass over queue/ (a fresh fd: readdir() state must not live on
 * sp->queuefd). */
static int scan_queue(struct spool *sp, struct ents *msg, struct ents *env,
    struct op_err *e)
{
	DIR *dir;
	int fd = openat(sp->queuefd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
	    r;

	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return op_errnof(e, OP_TEMP, "cannot read queue/");
	}
	r = scan(dir, msg, env);
	if (r < 0)
		op_errnof(e, OP_TEMP, errno ? "cannot read queue/" :
		    "listing queue/: out of memory");
	closedir(dir);
	return r;
}

int spool_list(struct spool *sp, struct spool_list *out, struct op_err *e)
{
	struct ents msg = { 0 }, env = { 0 };
	int r;

	memset(out, 0, sizeof(*out));
	r = scan_queue(sp, &msg, &env, e);
	if (r == 0 && msg.n > 1)
		qsort(msg.v, msg.n, sizeof(*msg.v), id_cmp);
	if (r == 0 && env.n > 1)
		qsort(env.v, env.n, sizeof(*env.v), id_cmp);
	if (r == 0 && fill(out, &msg, &env) < 0)
		r = op_errf(e, OP_TEMP, "listing queue/: out of memory");
	free(msg.v);
	free(env.v);
	if (r < 0)
		spool_list_free(out);
	return r;
}

/* Keep the .env entries whose .msg is there (an orphan .env is a removal
 * that stopped half-way: no message). */
static size_t with_msg(struct spool *sp, struct ents *env)
{
	char name[SPOOL_NAME_MAX];
	size_t i, n = 0;

	for (i = 0; i < env->n; i++)
		if (spool_name(name, env->v[i].id, ".msg") == 0 &&
		    faccessat(sp->queuefd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			env->v[n++] = env->v[i];
	return n;
}

int spool_list_states(struct spool *sp, struct spool_list *out,
    struct op_err *e)
{
	struct ents env = { 0 }, none = { 0 };
	int r;

	memset(out, 0, sizeof(*out));
	r = scan_queue(sp, NULL, &env, e);
	if (r == 0) {
		env.n = with_msg(sp, &env);
		if (env.n > 1)
			qsort(env.v, env.n, sizeof(*env.v), id_cmp);
		if (fill(out, &env, &none) < 0)
			r = op_errf(e, OP_TEMP, "listing queue/: out of memory");
		else
			memset(out->has_env, 1, out->n);
	}
	free(env.v);
	if (r < 0)
		spool_list_free(out);
	return r;
}

void spool_list_free(struct spool_list *l)
{
	free(l->ids);
	free(l->ino);
	free(l->has_env);
	l->ids = NULL;
	l->ino = NULL;
	l->has_env = NULL;
	l->n = 0;
}
