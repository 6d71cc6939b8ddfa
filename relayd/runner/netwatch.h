/*
 * Network-up flush: while a long-running runner waits, the kernel's routing
 * netlink tells it when an address or a default route appears, and deferred
 * mail is retried at once instead of at its next retry time (rate-limited).
 * Nothing is sent anywhere to find out: the kernel's own events only.
 */
#ifndef OUTPOST_NETWATCH_H
#define OUTPOST_NETWATCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

#define NETWATCH_GAP_MS		10000	/* at most one retry per 10 s */
#define NETWATCH_READS_MAX	64	/* datagrams drained per wake-up */

struct netwatch {
	int fd;			/* NETLINK_ROUTE socket, -1 when none */
	int64_t last;		/* when the last retry was asked (ms) */
	int fired;		/* a retry was asked at least once */
	int pending;		/* a change inside the gap: retry at its end */
};

/* Count the events in one netlink datagram that mean "the network may be
 * back": RTM_NEWADDR of a non-loopback address of global or site scope
 * that is not tentative, RTM_NEWROUTE of a unicast default route
 * (dst_len 0) in the main table.  Bounded walk over untrusted bytes; a
 * malformed message ends the walk. */
unsigned netwatch_parse(const void *buf, size_t len);

/* The socket, subscribed to the IPv4/IPv6 address and route groups;
 * non-blocking, close-on-exec.  0, or -1 with *e (nw->fd stays -1). */
int netwatch_open(struct netwatch *nw, struct op_err *e);
void netwatch_close(struct netwatch *nw);

/* Drain the socket (at most NETWATCH_READS_MAX datagrams): 1 when a
 * change that matters came (or events were lost: the kernel's buffer
 * overran), else 0.  Only datagrams from the kernel count. */
int netwatch_read(struct netwatch *nw);

/* The rate limit, on a clock the caller gives (monotonic ms).  note: a
 * change seen at `now`; 1 = retry now, 0 = inside the gap (remembered as
 * pending).  due_in: ms until a pending retry is due, -1 when none.
 * take: 1 (and the retry counts as asked) when a pending one is due. */
int netwatch_note(struct netwatch *nw, int64_t now);
int64_t netwatch_due_in(const struct netwatch *nw, int64_t now);
int netwatch_take(struct netwatch *nw, int64_t now);

#endif
