/*
 * spool_list(): the committed messages, queue/<id>.msg, in submission order
 * (ids sort by arrival time).  Names that are not exactly a valid id plus
 * ".msg" are skipped here (recovery deals with them); nothing is opened.
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

int spool_list(struct spool *sp, struct spool_list *out, struct op_err *e)
{
	char id[SPOOL_QID_LEN + 1];
	struct dirent *d;
	size_t cap = 0;
	DIR *dir;
	/* A fresh fd: readdir() state must not live on sp->queuefd. */
	int fd = openat(sp->queuefd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	out->ids = NULL;
	out->n = 0;
	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return op_errnof(e, OP_TEMP, "cannot read queue/");
	}
	errno = 0;
	while ((d = readdir(dir)) != NULL) {
		if (name_is(d->d_name, ".msg", id) &&
		    list_add(out, &cap, id) < 0) {
			closedir(dir);
			spool_list_free(out);
			return op_errf(e, OP_TEMP, "out of memory");
		}
		errno = 0;
	}
	if (errno != 0) {
		op_errnof(e, OP_TEMP, "cannot read queue/");
		closedir(dir);
		spool_list_free(out);
		return -1;
	}
	closedir(dir);
	if (out->n > 1)
		qsort(out->ids, out->n, sizeof(*out->ids), id_cmp);
	return 0;
}

void spool_list_free(struct spool_list *l)
{
	free(l->ids);
	l->ids = NULL;
	l->n = 0;
}
