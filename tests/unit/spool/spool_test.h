/*
 * Helpers shared by the spool unit tests (header-only, static inline):
 * a throw-away spool under a fresh temp dir, directory counting, a sample
 * envelope.  Test code only.
 */
#ifndef OUTPOST_SPOOL_TEST_H
#define OUTPOST_SPOOL_TEST_H

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool/spool.h"

struct tspool {
	char root[256];		/* mkdtemp() dir, removed by tspool_done */
	char path[300];		/* root/a/b/spool: parents created by open */
	struct spool sp;
};

static inline void tspool_mkroot(struct tspool *t)
{
	const char *base = getenv("TMPDIR");

	snprintf(t->root, sizeof(t->root), "%s/spooltest.XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t->root));
	snprintf(t->path, sizeof(t->path), "%s/a/b/spool", t->root);
}

static inline void tspool_init(struct tspool *t)
{
	struct op_err e = { 0 };

	tspool_mkroot(t);
	ck_assert_msg(spool_open(&t->sp, t->path, &e) == 0, "%s", e.msg);
}

static inline int tspool_rm(const char *p, const struct stat *st, int flag,
    struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static inline void tspool_done(struct tspool *t)
{
	spool_close(&t->sp);
	nftw(t->root, tspool_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Entries of dirfd other than "." and ".."; -1 on error. */
static inline int tspool_count(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* A sample envelope with nrcpt recipients.  The array is built directly,
 * exactly sized, as spool.h allows ("malloc'd, nrcpt entries"): that also
 * keeps 1000-recipient tests fast under ASan. */
static inline void tspool_env(struct envelope *env, size_t nrcpt)
{
	size_t i;

	envelope_init(env);
	env->arrival = 1764450000;
	snprintf(env->sender, sizeof(env->sender), "alice@example.org");
	snprintf(env->subject, sizeof(env->subject), "[PATCH v2 1/3] fix it");
	snprintf(env->message_id, sizeof(env->message_id), "<1@example.org>");
	if (nrcpt == 0)
		return;
	env->rcpt = calloc(nrcpt, sizeof(*env->rcpt));
	ck_assert_ptr_nonnull(env->rcpt);
	for (i = 0; i < nrcpt; i++) {
		snprintf(env->rcpt[i].addr, sizeof(env->rcpt[i].addr),
		    "r%zu@example.net", i);
		env->rcpt[i].state = RCPT_PENDING;
	}
	env->nrcpt = nrcpt;
}

/* Enqueue `len` bytes of `msg`; returns 0 and the id, or -1. */
static inline int tspool_enqueue(struct spool *sp, const struct envelope *env,
    const char *msg, size_t len, char id[SPOOL_QID_LEN + 1],
    struct op_err *e)
{
	static struct spool_tx tx;	/* 64 KB: keep it off the stack */

	if (spool_tx_begin(sp, &tx, env, e) < 0)
		return -1;
	if (spool_tx_write(&tx, msg, len, e) < 0 ||
	    spool_tx_commit(&tx, id, e) < 0) {
		spool_tx_abort(&tx);
		return -1;
	}
	return 0;
}

#endif
