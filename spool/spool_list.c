/*
 * spool_list(): the committed messages, queue/<id>.msg, in submission order
 * (ids sort by arrival time), each with whether a queue/<id>.env was seen.
 * Names that are not exactly a valid id plus ".msg" or ".env" are skipped
 * here (recovery deals with them); nothing is opened.
 */
#include "spool/spool_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static int list_add(struct spool_list *l, size_t *cap, const char *id)
{
	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *p;

		if (ncap > SIZE_MAX / sizeof(*l->ids))
			return -1;
		p = realloc(l->ids, ncap * sizeof(*l->ids));
		if (p == NULL)
			return -1;
		l->ids = p;
		*cap = ncap;
	}
	memcpy(l->ids[l->n++], id, SPOOL_QID_LEN + 1);
	return 0;
}

/* has_env[] from the sorted .env ids: one merge of two sorted lists. */
static int mark_env(struct spool_list *l, const struct spool_list *env)
{
	size_t i = 0, j = 0;

	l->has_env = calloc(l->n ? l->n : 1, 1);
	if (l->has_env == NULL)
		return -1;
	while (i < l->n && j < env->n) {
		int c = id_cmp(l->ids[i], env->ids[j]);

		if (c == 0)
			l->has_env[i] = 1;
		i += c <= 0;
		j += c >= 0;
	}
	return 0;
}

/* Both kinds of names in one readdir() pass. */
static int scan(DIR *dir, struct spool_list *msg, struct spool_list *env)
{
	char id[SPOOL_QID_LEN + 1];
	size_t mcap = 0, ecap = 0;
	struct dirent *d;

	errno = 0;
	while ((d = readdir(dir)) != NULL) {
		if ((name_is(d->d_name, ".msg", id) &&
		    list_add(msg, &mcap, id) < 0) ||
		    (name_is(d->d_name, ".env", id) &&
		    list_add(env, &ecap, id) < 0))
			return -1;
		errno = 0;
	}
	return errno != 0 ? -1 : 0;
}

int spool_list(struct spool *sp, struct spool_list *out, struct op_err *e)
{
	struct spool_list env = { NULL, 0, NULL };
	DIR *dir;
	/* A fresh fd: readdir() state must not live on sp->queuefd. */
	int fd = openat(sp->queuefd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
	    r;

	memset(out, 0, sizeof(*out));
	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return op_errnof(e, OP_TEMP, "cannot read queue/");
	}
	r = scan(dir, out, &env);
	if (r < 0)
		op_errnof(e, OP_TEMP, errno ? "cannot read queue/" :
		    "listing queue/: out of memory");
	closedir(dir);
	if (r == 0 && out->n > 1)
		qsort(out->ids, out->n, sizeof(*out->ids), id_cmp);
	if (r == 0 && env.n > 1)
		qsort(env.ids, env.n, sizeof(*env.ids), id_cmp);
	if (r == 0 && mark_env(out, &env) < 0)
		r = op_errf(e, OP_TEMP, "listing queue/: out of memory");
	spool_list_free(&env);
	if (r < 0)
		spool_list_free(out);
	return r;
}

void spool_list_free(struct spool_list *l)
{
	free(l->ids);
	free(l->has_env);
	l->ids = NULL;
	l->has_env = NULL;
	l->n = 0;
}
