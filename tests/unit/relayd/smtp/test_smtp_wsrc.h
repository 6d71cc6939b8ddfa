/*
 * The caller's side of smtp_window_run() for the window tests: queued
 * messages in memory, their outcomes and the order of done(), the groups
 * given to mark() and how many MAILs the scripted server had seen then.
 */
#ifndef TEST_SMTP_WSRC_H
#define TEST_SMTP_WSRC_H

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/smtp/smtp_session.h"
#include "test_smtp_peer.h"

#define NMSG	8

static struct conf C;
static struct peer *P;
static struct smtp_session *S;
static struct smtp_status ST;

/* The caller's side of the window: messages, outcomes, marks. */
struct src {
	size_t n, next;
	struct smtp_msg m[NMSG];
	const char *rcpts[NMSG][2];
	struct smtp_status rs[NMSG][2], st[NMSG];
	size_t order[NMSG], ndone;
	size_t group[NMSG], ngroups;
	size_t mail_at_mark[NMSG];	/* MAIL lines the server had then */
	int mark_fails;
};
static struct src Q;
static size_t Idx[NMSG] = { 0, 1, 2, 3, 4, 5, 6, 7 };

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static int src_next(void *arg, struct smtp_msg *m,
    struct smtp_status **rst, void **item)
{
	struct src *q = arg;

	if (q->next == q->n)
		return 0;
	*m = q->m[q->next];
	*rst = q->rs[q->next];
	*item = &Idx[q->next++];
	return 1;
}

static int src_mark(void *arg, void *const *items, size_t n,
    struct smtp_status *why)
{
	struct src *q = arg;

	(void)items;
	q->mail_at_mark[q->ngroups] = count(P->log, "MAIL FROM");
	q->group[q->ngroups++] = n;
	if (!q->mark_fails)
		return 0;
	smtp_status_local(why, SMTP_STAGE_MAIL, SMTP_TEMP, "disk full");
	return -1;
}

static void src_done(void *arg, void *item, const struct smtp_status *st)
{
	struct src *q = arg;
	size_t i = *(size_t *)item;

	q->st[i] = *st;
	q->order[q->ndone++] = i;
}

static const struct smtp_window_ops Ops = { src_next, src_mark, src_done };

static int body_fd(const char *text, size_t len)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	fd = dup(fileno(f));
	ck_assert_int_eq((int)write(fd, text, len), (int)len);
	fclose(f);
	return fd;
}

/* Message i to nrcpt of a@x.org, b@x.org with `text`. */
static void add_msg(const char *text, size_t len, size_t nrcpt)
{
	size_t i = Q.n++;

	Q.rcpts[i][0] = "a@x.org";
	Q.rcpts[i][1] = "b@x.org";
	Q.m[i].sender = "me@example.org";
	Q.m[i].rcpts = Q.rcpts[i];
	Q.m[i].nrcpt = nrcpt;
	Q.m[i].fd = body_fd(text, len);
	Q.m[i].len = len;
}

static void start(const struct peer_step *steps)
{
	int fd;

	signal(SIGPIPE, SIG_IGN);
	memset(&C, 0, sizeof(C));
	snprintf(C.host, sizeof(C.host), "mail.test");
	snprintf(C.from, sizeof(C.from), "me@example.org");
	C.port = 587;
	C.tls = CONF_TLS_OFF;
	C.command_timeout = 5;
	C.connect_timeout = 5;
	memset(&Q, 0, sizeof(Q));
	P = peer_start(steps, NULL, 0, &fd);
	ck_assert_int_eq(smtp_open_fd(&C, NULL, fd, &S, &ST), 0);
}

static void finish(void)
{
	size_t i;

	smtp_close(S);
	S = NULL;
	peer_join(P);
	for (i = 0; i < Q.n; i++)
		close(Q.m[i].fd);
	ck_assert_str_eq(P->err, "");
}

static void assert_in_order(void)
{
	size_t i;

	ck_assert_uint_eq(Q.ndone, Q.n);
	for (i = 0; i < Q.n; i++)
		ck_assert_uint_eq(Q.order[i], i);
}

#define GREET	{ NULL, "220 mail.test ESMTP\r\n", P_NONE, 0 }
#define QUIT	{ "QUIT", "221 bye\r\n", P_NONE, 0 }
#define END	{ NULL, NULL, P_NONE, 0 }

#endif
