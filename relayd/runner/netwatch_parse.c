/*
 * Reading the kernel's routing netlink messages (netwatch.h): a bounded
 * walk over one datagram that counts the events meaning "the network may
 * be back": a usable address or a default route in the main table.
 * Pure: no I/O, no allocation; every length is checked before it is used.
 */
#include "relayd/runner/netwatch.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* Netlink pads messages and attributes to 4 bytes. */
#define NW_ALIGN(n)	(((n) + 3u) & ~(size_t)3u)

/* One attribute of a message body: type and payload. */
struct nw_attr {
	unsigned type;
	const unsigned char *data;
	size_t len;
};

/* The next attribute in p[*off..len): 1 with *a, 0 at the end or at the
 * first malformed one (the rest of the message is then ignored). */
static int next_attr(const unsigned char *p, size_t len, size_t *off,
    struct nw_attr *a)
{
	struct rtattr h;

	if (*off > len || len - *off < sizeof(h))
		return 0;
	memcpy(&h, p + *off, sizeof(h));
	if (h.rta_len < sizeof(h) || h.rta_len > len - *off)
		return 0;
	a->type = h.rta_type & NLA_TYPE_MASK;
	a->data = p + *off + sizeof(h);
	a->len = h.rta_len - sizeof(h);
	*off += NW_ALIGN(h.rta_len);
	return 1;
}

static uint32_t attr_u32(const struct nw_attr *a, uint32_t dflt)
{
	uint32_t v;

	if (a->len < sizeof(v))
		return dflt;
	memcpy(&v, a->data, sizeof(v));
	return v;
}

/* 127.0.0.0/8 or ::1 (a loopback address on a non-loopback link is still
 * no way out). */
static int loopback_addr(int family, const struct nw_attr *a)
{
	static const unsigned char v6[16] = { [15] = 1 };

	if (family == AF_INET && a->len >= 4)
		return a->data[0] == 127;
	if (family == AF_INET6 && a->len >= 16)
		return memcmp(a->data, v6, 16) == 0;
	return 0;
}

/* Flags that say an address cannot be used (yet): duplicate address
 * detection still running or failed. */
#define NW_ADDR_UNUSABLE (IFA_F_TENTATIVE | IFA_F_DADFAILED)

/* RTM_NEWADDR: an address of global or site scope, usable now, not a
 * loopback one.  Link-local addresses come with every link that goes up
 * and reach no smarthost. */
static int addr_matters(const unsigned char *p, size_t len)
{
	struct ifaddrmsg ifa;
	struct nw_attr a;
	size_t off;
	uint32_t flags;

	if (len < sizeof(ifa))
		return 0;
	memcpy(&ifa, p, sizeof(ifa));
	if ((ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6) ||
	    ifa.ifa_scope >= RT_SCOPE_LINK)
		return 0;
	flags = ifa.ifa_flags;
	for (off = NW_ALIGN(sizeof(ifa)); next_attr(p, len, &off, &a);) {
		/* The 32-bit flags supersede the 8-bit field when present. */
		if (a.type == IFA_FLAGS)
			flags = attr_u32(&a, flags);
		else if ((a.type == IFA_ADDRESS || a.type == IFA_LOCAL) &&
		    loopback_addr(ifa.ifa_family, &a))
			return 0;
	}
	return (flags & NW_ADDR_UNUSABLE) == 0;
}

/* RTM_NEWROUTE: a unicast default route (dst_len 0) in the main table;
 * RTA_TABLE, when present, holds the table id in full. */
static int route_matters(const unsigned char *p, size_t len)
{
	struct rtmsg rt;
	struct nw_attr a;
	size_t off;
	uint32_t table;

	if (len < sizeof(rt))
		return 0;
	memcpy(&rt, p, sizeof(rt));
	if ((rt.rtm_family != AF_INET && rt.rtm_family != AF_INET6) ||
	    rt.rtm_dst_len != 0 || rt.rtm_type != RTN_UNICAST)
		return 0;
	table = rt.rtm_table;
	for (off = NW_ALIGN(sizeof(rt)); next_attr(p, len, &off, &a);)
		if (a.type == RTA_TABLE)
			table = attr_u32(&a, table);
	return table == RT_TABLE_MAIN;
}

static int msg_matters(unsigned type, const unsigned char *body, size_t len)
{
	if (type == RTM_NEWADDR)
		return addr_matters(body, len);
	if (type == RTM_NEWROUTE)
		return route_matters(body, len);
	return 0;
}

unsigned netwatch_parse(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	struct nlmsghdr h;
	size_t off = 0, hl = NW_ALIGN(sizeof(h));
	unsigned n = 0;

	/* Each step moves on by at least one header: at most len / 16
	 * messages, whatever the lengths claim. */
	while (len - off >= sizeof(h)) {
		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < hl || h.nlmsg_len > len - off)
			break;
		if (h.nlmsg_type == NLMSG_DONE || h.nlmsg_type == NLMSG_ERROR)
			break;
		n += (unsigned)msg_matters(h.nlmsg_type, p + off + hl,
		    h.nlmsg_len - hl);
		if (NW_ALIGN(h.nlmsg_len) >= len - off)
			break;
		off += NW_ALIGN(h.nlmsg_len);
	}
	return n;
}
