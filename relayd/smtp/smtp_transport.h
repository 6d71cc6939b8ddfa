/*
 * The SMTP I/O seam: a byte stream with deadlines, over a plain socket or an
 * OpenSSL session on that socket.  The session code only sees these calls;
 * unit tests drive them over socketpair() with a scripted peer.
 * Sockets are non-blocking; every wait is a poll() bounded by a deadline
 * (never a busy loop on SSL_ERROR_WANT_*).
 */
#ifndef OUTPOST_SMTP_TRANSPORT_H
#define OUTPOST_SMTP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

struct smtp_transport;

struct smtp_transport_ops {
	/* > 0 bytes read, 0 = peer closed, -1 = error or deadline (t->err). */
	ssize_t (*read)(struct smtp_transport *t, void *buf, size_t len,
	    int64_t deadline);
	/* All of buf or -1 (t->err). */
	int (*write)(struct smtp_transport *t, const void *buf, size_t len,
	    int64_t deadline);
	/* Bytes already received but not yet read by the caller. */
	size_t (*pending)(const struct smtp_transport *t);
	void (*close)(struct smtp_transport *t);
};

struct smtp_transport {
	const struct smtp_transport_ops *ops;
	int fd;
	SSL *ssl;		/* set once TLS is up; owned */
	int timed_out;		/* last failure was a deadline */
	char err[256];		/* last failure, e.g. "timed out", "reset" */
};

/* Monotonic clock in milliseconds; deadlines are absolute values of it. */
int64_t smtp_now_ms(void);

/* Wrap a connected socket (made non-blocking here; the transport owns it). */
int smtp_transport_init(struct smtp_transport *t, int fd);
/* Connect to host:port trying each address from getaddrinfo(), each bounded
 * by timeout_ms.  Returns the connected non-blocking fd, or -1 with err. */
int smtp_transport_connect(const char *host, unsigned port, int timeout_ms,
    char *err, size_t errlen);
/* TLS handshake over t->fd with the configured `ssl` (owned from now on,
 * freed by close even on failure); switches t to the TLS operations. */
int smtp_transport_starttls(struct smtp_transport *t, SSL *ssl,
    int64_t deadline);

ssize_t smtp_transport_read(struct smtp_transport *t, void *buf, size_t len,
    int64_t deadline);
int smtp_transport_write(struct smtp_transport *t, const void *buf,
    size_t len, int64_t deadline);
size_t smtp_transport_pending(const struct smtp_transport *t);
void smtp_transport_close(struct smtp_transport *t);

#endif
