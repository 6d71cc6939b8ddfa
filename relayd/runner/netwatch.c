/*
 * The netlink side of the network-up flush (netwatch.h): the socket, the
 * drain after poll() said it is readable, and the rate limit that turns a
 * burst of changes (a link coming up brings several) into at most one
 * retry per NETWATCH_GAP_MS, the last change of a burst never lost.
 */
#include "relayd/runner/netwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int netwatch_open(struct netwatch *nw, struct op_err *e)
{
	struct sockaddr_nl sa;
	int fd;

	memset(nw, 0, sizeof(*nw));
	nw->fd = -1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (fd < 0)
		return op_errnof(e, OP_TEMP, "netlink socket");
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
	    RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return op_errnof(e, OP_TEMP, "netlink bind");
	}
	nw->fd = fd;
	return 0;
}

void netwatch_close(struct netwatch *nw)
{
	if (nw->fd >= 0)
		close(nw->fd);
	nw->fd = -1;
}

/* One datagram: 1 matters, 0 not, -1 nothing left (or an error that a
 * later read will not cure). */
static int read_one(int fd, unsigned char *buf, size_t len)
{
	struct sockaddr_nl from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	memset(&from, 0, sizeof(from));
	n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &fl);
	if (n < 0 && errno == ENOBUFS)
		return 1;	/* overrun: changes were lost, assume one */
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -1;
	/* Only the kernel (port 0) speaks for the network. */
	if (fl < sizeof(from) || from.nl_family != AF_NETLINK ||
	    from.nl_pid != 0)
		return 0;
	return netwatch_parse(buf, (size_t)n) > 0;
}

int netwatch_read(struct netwatch *nw)
{
	unsigned char buf[16384] __attribute__((aligned(4)));
	int i, r, found = 0;

	if (nw->fd < 0)
		return 0;
	for (i = 0; i < NETWATCH_READS_MAX; i++) {
		r = read_one(nw->fd, buf, sizeof(buf));
		if (r < 0)
			break;
		found |= r;
	}
	return found;
}

int netwatch_note(struct netwatch *nw, int64_t now)
{
	if (nw->fired && now - nw->last < NETWATCH_GAP_MS) {
		nw->pending = 1;
		return 0;
	}
	nw->fired = 1;
	nw->last = now;
	nw->pending = 0;
	return 1;
}

int64_t netwatch_due_in(const struct netwatch *nw, int64_t now)
{
	int64_t left;

	if (!nw->pending)
		return -1;
	left = nw->last + NETWATCH_GAP_MS - now;
	return left > 0 ? left : 0;
}

int netwatch_take(struct netwatch *nw, int64_t now)
{
	if (netwatch_due_in(nw, now) != 0)
		return 0;
	return netwatch_note(nw, now);
}
