/*
 * smtp_transport_connect(): resolve the smarthost and connect to each of
 * its addresses in turn, each bounded by the connect timeout.  A resolver
 * failure is reported like any network failure (the caller defers; it never
 * bounces mail because DNS is down while offline).
 */
#include "relayd/smtp/smtp_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Non-blocking connect of one address; 0 with *fdp, or -1 and errno. */
static int connect_one(const struct addrinfo *ai, int timeout_ms, int *fdp)
{
	int fd, soerr = 0;
	socklen_t sl = sizeof(soerr);
	struct pollfd p;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto ok;
	if (errno != EINPROGRESS)
		goto bad;
	p.fd = fd;
	p.events = POLLOUT;
	p.revents = 0;
	{
		int64_t deadline = smtp_now_ms() + timeout_ms, left;
		int n;

		do {
			left = deadline - smtp_now_ms();
			n = left > 0 ? poll(&p, 1, (int)left) : 0;
		} while (n < 0 && errno == EINTR);
		if (n == 0)
			errno = ETIMEDOUT;
		if (n <= 0)
			goto bad;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		goto bad;
	if (soerr != 0) {
		errno = soerr;
		goto bad;
	}
ok:
	*fdp = fd;
	return 0;
bad:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

static void addr_text(const struct addrinfo *ai, char *buf, size_t len)
{
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, (socklen_t)len,
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, len, "?");
}

int smtp_transport_connect(const char *host, unsigned port, int timeout_ms,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[16], addr[64];
	int rc, fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	snprintf(err, errlen, "connect to %s port %u: no address", host, port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (connect_one(ai, timeout_ms, &fd) == 0)
			break;
		addr_text(ai, addr, sizeof(addr));
		/* Keep the last failure: it is the one reported. */
		snprintf(err, errlen, "connect to %s[%s]:%u: %s", host, addr,
		    port, errno == ETIMEDOUT ? "timed out" : strerror(errno));
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}
