/*
 * smtp_transport_*: deadline-bounded reads and writes over a plain socket or
 * an OpenSSL session, and the TCP connect.  It knows nothing about SMTP and
 * never sleeps: every wait is one poll() until the caller's deadline.
 */
#include "relayd/smtp/smtp_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

int64_t smtp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for `events` on fd until the deadline: 1 ready, 0 timed out, -1. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - smtp_now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int fail(struct smtp_transport *t, const char *what, int err)
{
	t->timed_out = 0;
	snprintf(t->err, sizeof(t->err), "%s: %s", what, strerror(err));
	return -1;
}

static int timeout(struct smtp_transport *t)
{
	t->timed_out = 1;
	snprintf(t->err, sizeof(t->err), "timed out");
	return -1;
}

/* About to wait for the peer: acknowledge what it sent so far at once.
 * A server that answers a pipelined group in two writes (Postfix sends
 * the replies before BDAT data, then the BDAT reply) holds the second
 * one back under Nagle until its first is acknowledged, and a delayed
 * ACK makes that 40 ms per message.  Linux turns quick ACKs off again by
 * itself, hence before every wait.  Not TCP (tests): harmless failure. */
static void ack_now(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static int waited(struct smtp_transport *t, short ev, int64_t deadline)
{
	int w;

	if (ev == POLLIN)
		ack_now(t->fd);
	w = wait_fd(t->fd, ev, deadline);

	if (w == 0)
		return timeout(t);
	if (w < 0)
		return fail(t, "poll", errno);
	return 0;
}

static ssize_t plain_read(struct smtp_transport *t, void *buf, size_t len,
    int64_t deadline)
{
	for (;;) {
		ssize_t n = recv(t->fd, buf, len, 0);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(t, "read", errno);
		if (waited(t, POLLIN, deadline) < 0)
			return -1;
	}
}

static int plain_write(struct smtp_transport *t, const void *buf, size_t len,
    int64_t deadline)
{
	const char *p = buf;

	while (len > 0) {
		/* MSG_NOSIGNAL: a peer that closed must not kill the runner. */
		ssize_t n = send(t->fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(t, "write", errno);
		if (waited(t, POLLOUT, deadline) < 0)
			return -1;
	}
	return 0;
}

static size_t sock_pending(int fd)
{
	int n = 0;

	if (ioctl(fd, FIONREAD, &n) < 0 || n < 0)
		return 0;
	return (size_t)n;
}

static size_t plain_pending(const struct smtp_transport *t)
{
	return sock_pending(t->fd);
}

static void plain_close(struct smtp_transport *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* Describe the last TLS error: the OpenSSL queue, else errno, else EOF. */
static int tls_fail(struct smtp_transport *t, const char *what, int sslerr)
{
	unsigned long e = ERR_get_error();
	char buf[200];

	t->timed_out = 0;
	if (e != 0 && ERR_reason_error_string(e) != NULL) {
		/* The reason alone ("tlsv1 alert protocol version") reads
		 * better than the full "error:0A00042E:SSL routines::...". */
		snprintf(buf, sizeof(buf), "%s", ERR_reason_error_string(e));
	} else if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
	} else if (sslerr == SSL_ERROR_SYSCALL && errno != 0) {
		snprintf(buf, sizeof(buf), "%s", strerror(errno));
	} else {
		snprintf(buf, sizeof(buf), "connection closed");
	}
	/* what == NULL: the caller names the operation itself. */
	snprintf(t->err, sizeof(t->err), "%s%s%s", what ? what : "",
	    what ? ": " : "", buf);
	ERR_clear_error();
	return -1;
}

/* After an SSL_* call returned r <= 0: wait as asked, or fail. */
static int tls_wait(struct smtp_transport *t, int r, const char *what,
    int64_t deadline)
{
	int e = SSL_get_error(t->ssl, r);

	if (e == SSL_ERROR_WANT_READ)
		return waited(t, POLLIN, deadline);
	if (e == SSL_ERROR_WANT_WRITE)
		return waited(t, POLLOUT, deadline);
	return tls_fail(t, what, e);
}

/* The peer closed without close_notify: for SMTP this is just "closed"
 * (a cut reply is incomplete anyway and ends the session). */
static int tls_eof(int sslerr)
{
	unsigned long e = ERR_peek_error();

	if ((sslerr == SSL_ERROR_SYSCALL && e == 0 && errno == 0) ||
	    (sslerr == SSL_ERROR_SSL && ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		ERR_clear_error();
		return 1;
	}
	return 0;
}

static ssize_t tls_read(struct smtp_transport *t, void *buf, size_t len,
    int64_t deadline)
{
	for (;;) {
		int r, e;

		ERR_clear_error();
		errno = 0;
		r = SSL_read(t->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
		if (r > 0)
			return r;
		e = SSL_get_error(t->ssl, r);
		if (e == SSL_ERROR_ZERO_RETURN || tls_eof(e))
			return 0;
		if (tls_wait(t, r, "TLS read", deadline) < 0)
			return -1;
	}
}

static int tls_write(struct smtp_transport *t, const void *buf, size_t len,
    int64_t deadline)
{
	const char *p = buf;

	while (len > 0) {
		int chunk = len > INT32_MAX ? INT32_MAX : (int)len, r;

		ERR_clear_error();
		errno = 0;
		r = SSL_write(t->ssl, p, chunk);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
			continue;
		}
		if (tls_wait(t, r, "TLS write", deadline) < 0)
			return -1;
	}
	return 0;
}

static size_t tls_pending(const struct smtp_transport *t)
{
	/* With read-ahead, bytes of records not yet decoded sit in the
	 * TLS buffer: SSL_pending() does not count them. */
	return (size_t)SSL_pending(t->ssl) + (SSL_has_pending(t->ssl) ? 1 :
	    0) + sock_pending(t->fd);
}

static void tls_close(struct smtp_transport *t)
{
	if (t->ssl) {
		/* Best effort close_notify; never wait for the peer's. */
		ERR_clear_error();
		(void)SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
		t->ssl = NULL;
		ERR_clear_error();
	}
	plain_close(t);
}

static const struct smtp_transport_ops plain_ops = {
	plain_read, plain_write, plain_pending, plain_close
};
static const struct smtp_transport_ops tls_ops = {
	tls_read, tls_write, tls_pending, tls_close
};

int smtp_transport_init(struct smtp_transport *t, int fd)
{
	int fl = fcntl(fd, F_GETFL), one = 1;

	memset(t, 0, sizeof(*t));
	t->ops = &plain_ops;
	t->fd = fd;
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return fail(t, "fcntl", errno);
	/* Every write is a whole command group or BDAT chunk: send it now.
	 * With Nagle a small write after an unacknowledged one waits for the
	 * peer's delayed ACK (40 ms on Linux).  Not a TCP socket (tests):
	 * the failure is harmless. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

int smtp_transport_starttls(struct smtp_transport *t, SSL *ssl,
    int64_t deadline)
{
	t->ssl = ssl;
	t->ops = &tls_ops;	/* from now on close() frees ssl */
	if (SSL_set_fd(ssl, t->fd) != 1)
		return tls_fail(t, NULL, SSL_ERROR_SSL);
	for (;;) {
		int r;

		ERR_clear_error();
		errno = 0;
		r = SSL_connect(ssl);
		if (r == 1)
			return 0;
		if (tls_wait(t, r, NULL, deadline) < 0)
			return -1;
	}
}

ssize_t smtp_transport_read(struct smtp_transport *t, void *buf, size_t len,
    int64_t deadline)
{
	return t->ops->read(t, buf, len, deadline);
}

int smtp_transport_write(struct smtp_transport *t, const void *buf,
    size_t len, int64_t deadline)
{
	return t->ops->write(t, buf, len, deadline);
}

size_t smtp_transport_pending(const struct smtp_transport *t)
{
	return t->ops->pending(t);
}

void smtp_transport_close(struct smtp_transport *t)
{
	if (t->ops)
		t->ops->close(t);
}
