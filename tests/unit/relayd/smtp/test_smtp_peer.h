/*
 * A scripted SMTP server for unit tests: a thread on one end of a
 * socketpair() follows a list of steps (expect a line, reply, start TLS,
 * read DATA, close, stall) and records every byte it received.  No ports,
 * no sleeps: every wait is a poll() with a 10 s safety deadline.
 */
#ifndef TEST_SMTP_PEER_H
#define TEST_SMTP_PEER_H

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

enum peer_act {
	P_NONE = 0,
	P_TLS,		/* after sending the reply: TLS server handshake */
	P_DATA,		/* read the text up to and including "\r\n.\r\n" */
	P_CLOSE,	/* close the connection now */
	P_STALL,	/* say nothing until the client gives up */
	P_LINES,	/* read `n` lines before replying (pipelining) */
	P_HOOK		/* run hook(): a test-specific exchange */
};

struct peer;

struct peer_step {
	const char *expect;	/* prefix of the line read; NULL = no read */
	const char *reply;	/* sent as is; NULL = nothing */
	enum peer_act act;
	int n;
};

/* P_HOOK runs this (set before peer_start): 1 = go on, 0 = stop. */
static int (*peer_hook)(struct peer *p);

#define PEER_LOG_MAX (1 << 20)

struct peer {
	int fd;
	SSL_CTX *sctx;		/* server context for P_TLS / implicit */
	int implicit;		/* handshake before the first step */
	SSL *ssl;
	const struct peer_step *steps;
	char rbuf[8192];
	size_t rlen;
	char *log;		/* everything received, NUL-terminated */
	size_t loglen;
	char *data;		/* the DATA text of the last P_DATA */
	size_t datalen;
	int tls_ok;		/* handshake done */
	char err[256];		/* first script failure */
	pthread_t th;
};

static int peer_wait(struct peer *p)
{
	struct pollfd pf = { .fd = p->fd, .events = POLLIN };

	if (p->ssl && SSL_pending(p->ssl) > 0)
		return 1;
	return poll(&pf, 1, 10000) > 0;
}

/* Read more bytes into rbuf; 0 on EOF/error/timeout. */
static int peer_fill(struct peer *p)
{
	ssize_t n;

	if (p->rlen == sizeof(p->rbuf) || !peer_wait(p))
		return 0;
	if (p->ssl)
		n = SSL_read(p->ssl, p->rbuf + p->rlen,
		    (int)(sizeof(p->rbuf) - p->rlen));
	else
		n = read(p->fd, p->rbuf + p->rlen, sizeof(p->rbuf) - p->rlen);
	if (n <= 0)
		return 0;
	if (p->loglen + (size_t)n < PEER_LOG_MAX) {
		memcpy(p->log + p->loglen, p->rbuf + p->rlen, (size_t)n);
		p->loglen += (size_t)n;
		p->log[p->loglen] = '\0';
	}
	p->rlen += (size_t)n;
	return 1;
}

static void peer_consume(struct peer *p, size_t n)
{
	memmove(p->rbuf, p->rbuf + n, p->rlen - n);
	p->rlen -= n;
}

/* One line (with CRLF) into out; 0 when the client went away. */
static int peer_line(struct peer *p, char *out, size_t outlen)
{
	for (;;) {
		char *nl = memchr(p->rbuf, '\n', p->rlen);

		if (nl) {
			size_t n = (size_t)(nl - p->rbuf) + 1;

			snprintf(out, outlen, "%.*s", (int)n, p->rbuf);
			peer_consume(p, n);
			return 1;
		}
		if (!peer_fill(p))
			return 0;
	}
}

/* The DATA text up to and including its terminator, however large. */
static int peer_data(struct peer *p)
{
	size_t cap = 1 << 16, len = 0;
	char *d = malloc(cap + 1);

	for (;;) {
		char *end;
		size_t n = 0;

		if (len + p->rlen > cap) {
			cap = 2 * (len + p->rlen);
			d = realloc(d, cap + 1);
		}
		memcpy(d + len, p->rbuf, p->rlen);
		len += p->rlen;
		p->rlen = 0;
		end = memmem(d, len, "\r\n.\r\n", 5);
		if (len >= 3 && memcmp(d, ".\r\n", 3) == 0)
			n = 3;
		else if (end)
			n = (size_t)(end - d) + 5;
		if (n) {
			memcpy(p->rbuf, d + n, len - n);	/* pipelined rest */
			p->rlen = len - n;
			d[n] = '\0';
			free(p->data);
			p->data = d;
			p->datalen = n;
			return 1;
		}
		if (!peer_fill(p)) {
			free(d);
			return 0;
		}
	}
}

static void peer_send(struct peer *p, const char *s)
{
	size_t n = strlen(s);

	if (p->ssl)
		(void)SSL_write(p->ssl, s, (int)n);
	else
		(void)!write(p->fd, s, n);
}

static int peer_tls(struct peer *p)
{
	p->ssl = SSL_new(p->sctx);
	SSL_set_fd(p->ssl, p->fd);
	if (SSL_accept(p->ssl) != 1) {
		snprintf(p->err, sizeof(p->err), "server handshake failed");
		ERR_clear_error();
		return 0;
	}
	p->tls_ok = 1;
	return 1;
}

static int peer_step(struct peer *p, const struct peer_step *s)
{
	char line[2048];
	int i;

	if (s->act == P_HOOK)
		return peer_hook ? peer_hook(p) : 0;
	if (s->act == P_DATA) {
		if (!peer_data(p))
			return 0;
	} else if (s->expect) {
		for (i = 0; i < (s->act == P_LINES ? s->n : 1); i++) {
			if (!peer_line(p, line, sizeof(line)))
				return 0;
			if (i == 0 && strncmp(line, s->expect,
			    strlen(s->expect)) != 0) {
				snprintf(p->err, sizeof(p->err),
				    "expected [%.100s], got [%.100s]", s->expect, line);
				return 0;
			}
		}
	}
	if (s->reply)
		peer_send(p, s->reply);
	if (s->act == P_CLOSE)
		return 0;
	if (s->act == P_STALL) {
		while (peer_fill(p))
			;
		return 0;
	}
	if (s->act == P_TLS && !peer_tls(p))
		return 0;
	return 1;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	const struct peer_step *s;
	int ok = !p->implicit || peer_tls(p);

	for (s = p->steps; ok && (s->expect || s->reply || s->act); s++)
		ok = peer_step(p, s);
	if (ok)			/* drain until the client closes */
		while (peer_fill(p))
			p->rlen = 0;
	if (p->ssl) {
		SSL_free(p->ssl);
		p->ssl = NULL;
	}
	close(p->fd);
	return NULL;
}

/* Start a peer; *client gets the other end of the socketpair. */
static struct peer *peer_start(const struct peer_step *steps, SSL_CTX *sctx,
    int implicit, int *client)
{
	struct peer *p = calloc(1, sizeof(*p));
	int sv[2];

	if (p == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	p->log = calloc(1, PEER_LOG_MAX + 1);
	p->fd = sv[0];
	p->steps = steps;
	p->sctx = sctx;
	p->implicit = implicit;
	*client = sv[1];
	if (pthread_create(&p->th, NULL, peer_main, p) != 0)
		abort();
	return p;
}

/* Accept one TCP connection on `lfd`, then follow the script. */
static void *peer_accept_main(void *arg)
{
	struct peer *p = arg;
	struct pollfd pf = { .fd = p->fd, .events = POLLIN };
	int lfd = p->fd;

	if (poll(&pf, 1, 10000) != 1 || (p->fd = accept(lfd, NULL, NULL)) < 0) {
		snprintf(p->err, sizeof(p->err), "no connection");
		p->fd = lfd;
		return NULL;
	}
	close(lfd);
	return peer_main(p);
}

/* Start a peer listening on a free 127.0.0.1 port (*port). */
static inline struct peer *peer_listen(const struct peer_step *steps,
    unsigned *port)
{
	struct peer *p = calloc(1, sizeof(*p));
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (p == NULL || lfd < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) < 0)
		abort();
	*port = ntohs(a.sin_port);
	p->log = calloc(1, PEER_LOG_MAX + 1);
	p->fd = lfd;
	p->steps = steps;
	if (pthread_create(&p->th, NULL, peer_accept_main, p) != 0)
		abort();
	return p;
}

static void peer_join(struct peer *p)
{
	pthread_join(p->th, NULL);
}

static void peer_free(struct peer *p)
{
	free(p->log);
	free(p->data);
	free(p);
}

#endif
