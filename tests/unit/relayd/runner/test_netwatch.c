/*
 * Unit tests for the network-up flush: the netlink parser on messages built
 * here byte by byte (what counts, what does not, hostile lengths, every
 * truncation) and the rate limit on a fake clock (one retry per 10 s, a
 * change inside the gap retried when it ends, never lost, never twice).
 */
#include <check.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "relayd/runner/netwatch.h"
#include "tests/unit/check_main.h"

#define A4(n)	(((n) + 3u) & ~(size_t)3u)

/* A datagram under construction. */
struct dg {
	unsigned char b[1024] __attribute__((aligned(4)));
	size_t len;		/* end of the last finished message */
	size_t msg;		/* start of the open message */
};

static void put(struct dg *d, const void *p, size_t n)
{
	ck_assert_uint_le(d->len + A4(n), sizeof(d->b));
	memcpy(d->b + d->len, p, n);
	memset(d->b + d->len + n, 0, A4(n) - n);
	d->len += A4(n);
}

static void msg_begin(struct dg *d, unsigned type, const void *body,
    size_t n)
{
	struct nlmsghdr h;

	memset(&h, 0, sizeof(h));
	h.nlmsg_type = (uint16_t)type;
	d->msg = d->len;
	put(d, &h, sizeof(h));
	put(d, body, n);
}

static void attr(struct dg *d, unsigned type, const void *p, size_t n)
{
	struct rtattr a;

	a.rta_type = (unsigned short)type;
	a.rta_len = (unsigned short)(sizeof(a) + n);
	put(d, &a, sizeof(a));
	if (n > 0)
		put(d, p, n);
}

static void msg_end(struct dg *d)
{
	struct nlmsghdr h;

	memcpy(&h, d->b + d->msg, sizeof(h));
	h.nlmsg_len = (uint32_t)(d->len - d->msg);
	memcpy(d->b + d->msg, &h, sizeof(h));
}

static void addr_msg(struct dg *d, int family, unsigned scope,
    unsigned flags, const void *addr)
{
	struct ifaddrmsg ifa;

	memset(&ifa, 0, sizeof(ifa));
	ifa.ifa_family = (unsigned char)family;
	ifa.ifa_scope = (unsigned char)scope;
	ifa.ifa_flags = (unsigned char)flags;
	ifa.ifa_prefixlen = family == AF_INET ? 24 : 64;
	ifa.ifa_index = 3;
	msg_begin(d, RTM_NEWADDR, &ifa, sizeof(ifa));
	attr(d, IFA_ADDRESS, addr, family == AF_INET6 ? 16 : 4);
	msg_end(d);
}

static void route_msg(struct dg *d, unsigned type, int family,
    unsigned dst_len, unsigned table, unsigned rtype)
{
	struct rtmsg rt;
	uint32_t oif = 3;

	memset(&rt, 0, sizeof(rt));
	rt.rtm_family = (unsigned char)family;
	rt.rtm_dst_len = (unsigned char)dst_len;
	rt.rtm_table = (unsigned char)table;
	rt.rtm_type = (unsigned char)rtype;
	rt.rtm_protocol = RTPROT_BOOT;
	msg_begin(d, type, &rt, sizeof(rt));
	attr(d, RTA_OIF, &oif, sizeof(oif));
	msg_end(d);
}

static const unsigned char ip4[4] = { 10, 77, 0, 1 };
static const unsigned char lo4[4] = { 127, 0, 0, 2 };
static const unsigned char ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
static const unsigned char lo6[16] = { [15] = 1 };

static unsigned parse(const struct dg *d)
{
	return netwatch_parse(d->b, d->len);
}

START_TEST(test_new_address_counts)
{
	struct dg d = { .len = 0 };

	addr_msg(&d, AF_INET, RT_SCOPE_UNIVERSE, 0, ip4);
	ck_assert_uint_eq(parse(&d), 1);
	d.len = 0;
	addr_msg(&d, AF_INET6, RT_SCOPE_UNIVERSE, IFA_F_PERMANENT, ip6);
	ck_assert_uint_eq(parse(&d), 1);
	d.len = 0;
	addr_msg(&d, AF_INET6, RT_SCOPE_SITE, 0, ip6);
	ck_assert_uint_eq(parse(&d), 1);
}
END_TEST

START_TEST(test_addresses_that_do_not_count)
{
	struct dg d = { .len = 0 };

	/* Loopback: by scope, and by address whatever the scope says. */
	addr_msg(&d, AF_INET, RT_SCOPE_HOST, 0, lo4);
	addr_msg(&d, AF_INET, RT_SCOPE_UNIVERSE, 0, lo4);
	addr_msg(&d, AF_INET6, RT_SCOPE_UNIVERSE, 0, lo6);
	/* Link-local, tentative, DAD failed. */
	addr_msg(&d, AF_INET6, RT_SCOPE_LINK, 0, ip6);
	addr_msg(&d, AF_INET6, RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE, ip6);
	addr_msg(&d, AF_INET6, RT_SCOPE_UNIVERSE, IFA_F_DADFAILED, ip6);
	/* Another family. */
	addr_msg(&d, AF_UNIX, RT_SCOPE_UNIVERSE, 0, ip6);
	ck_assert_uint_eq(parse(&d), 0);
}
END_TEST

/* IFA_FLAGS (32 bits) supersedes the 8-bit ifa_flags. */
START_TEST(test_ifa_flags_attribute)
{
	struct dg d = { .len = 0 };
	struct ifaddrmsg ifa;
	uint32_t f = IFA_F_TENTATIVE;

	memset(&ifa, 0, sizeof(ifa));
	ifa.ifa_family = AF_INET6;
	msg_begin(&d, RTM_NEWADDR, &ifa, sizeof(ifa));
	attr(&d, IFA_ADDRESS, ip6, 16);
	attr(&d, IFA_FLAGS, &f, sizeof(f));
	msg_end(&d);
	ck_assert_uint_eq(parse(&d), 0);
	d.len = 0;
	ifa.ifa_flags = IFA_F_TENTATIVE;
	f = IFA_F_PERMANENT;
	msg_begin(&d, RTM_NEWADDR, &ifa, sizeof(ifa));
	attr(&d, IFA_FLAGS, &f, sizeof(f));
	msg_end(&d);
	ck_assert_uint_eq(parse(&d), 1);
}
END_TEST

START_TEST(test_default_route_counts)
{
	struct dg d = { .len = 0 };

	route_msg(&d, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	ck_assert_uint_eq(parse(&d), 1);
	d.len = 0;
	route_msg(&d, RTM_NEWROUTE, AF_INET6, 0, RT_TABLE_MAIN, RTN_UNICAST);
	ck_assert_uint_eq(parse(&d), 1);
}
END_TEST

START_TEST(test_routes_that_do_not_count)
{
	struct dg d = { .len = 0 };

	route_msg(&d, RTM_NEWROUTE, AF_INET, 24, RT_TABLE_MAIN, RTN_UNICAST);
	route_msg(&d, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_LOCAL, RTN_UNICAST);
	route_msg(&d, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN,
	    RTN_UNREACHABLE);
	route_msg(&d, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_BLACKHOLE);
	route_msg(&d, RTM_DELROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	ck_assert_uint_eq(parse(&d), 0);
}
END_TEST

/* RTA_TABLE holds the full table id and wins over rtm_table. */
START_TEST(test_rta_table)
{
	struct dg d = { .len = 0 };
	struct rtmsg rt;
	uint32_t t = RT_TABLE_MAIN;

	memset(&rt, 0, sizeof(rt));
	rt.rtm_family = AF_INET;
	rt.rtm_type = RTN_UNICAST;
	rt.rtm_table = RT_TABLE_COMPAT;
	msg_begin(&d, RTM_NEWROUTE, &rt, sizeof(rt));
	attr(&d, RTA_TABLE, &t, sizeof(t));
	msg_end(&d);
	ck_assert_uint_eq(parse(&d), 1);
	d.len = 0;
	t = 1000;
	rt.rtm_table = RT_TABLE_MAIN;
	msg_begin(&d, RTM_NEWROUTE, &rt, sizeof(rt));
	attr(&d, RTA_TABLE, &t, sizeof(t));
	msg_end(&d);
	ck_assert_uint_eq(parse(&d), 0);
}
END_TEST

START_TEST(test_several_in_one_datagram)
{
	struct dg d = { .len = 0 };
	struct nlmsghdr done;

	addr_msg(&d, AF_INET, RT_SCOPE_UNIVERSE, 0, ip4);
	route_msg(&d, RTM_NEWROUTE, AF_INET, 24, RT_TABLE_MAIN, RTN_UNICAST);
	route_msg(&d, RTM_NEWROUTE, AF_INET6, 0, RT_TABLE_MAIN, RTN_UNICAST);
	ck_assert_uint_eq(parse(&d), 2);
	/* NLMSG_DONE ends the walk. */
	memset(&done, 0, sizeof(done));
	done.nlmsg_type = NLMSG_DONE;
	done.nlmsg_len = sizeof(done);
	put(&d, &done, sizeof(done));
	addr_msg(&d, AF_INET, RT_SCOPE_UNIVERSE, 0, ip4);
	ck_assert_uint_eq(parse(&d), 2);
}
END_TEST

static void set_len(struct dg *d, size_t at, uint32_t len)
{
	memcpy(d->b + at, &len, sizeof(len));
}

START_TEST(test_hostile_lengths)
{
	struct dg d = { .len = 0 };
	uint16_t rl;

	addr_msg(&d, AF_INET, RT_SCOPE_UNIVERSE, 0, ip4);
	set_len(&d, 0, 0);			/* zero length */
	ck_assert_uint_eq(parse(&d), 0);
	set_len(&d, 0, 15);			/* shorter than a header */
	ck_assert_uint_eq(parse(&d), 0);
	set_len(&d, 0, (uint32_t)d.len + 4);	/* past the datagram */
	ck_assert_uint_eq(parse(&d), 0);
	set_len(&d, 0, 0xffffffffu);
	ck_assert_uint_eq(parse(&d), 0);
	/* Header only: no room for the ifaddrmsg. */
	set_len(&d, 0, sizeof(struct nlmsghdr));
	ck_assert_uint_eq(parse(&d), 0);
	/* Attribute claiming more than the message, or less than itself:
	 * the walk stops, the flags/address seen so far decide. */
	set_len(&d, 0, (uint32_t)d.len);
	rl = 0xfff0;
	memcpy(d.b + A4(sizeof(struct nlmsghdr)) +
	    A4(sizeof(struct ifaddrmsg)), &rl, sizeof(rl));
	ck_assert_uint_eq(parse(&d), 1);
	rl = 0;
	memcpy(d.b + A4(sizeof(struct nlmsghdr)) +
	    A4(sizeof(struct ifaddrmsg)), &rl, sizeof(rl));
	ck_assert_uint_eq(parse(&d), 1);
	ck_assert_uint_eq(netwatch_parse(d.b, 0), 0);
	ck_assert_uint_eq(netwatch_parse(d.b, 3), 0);
}
END_TEST

/* Every prefix of a valid datagram parses to no more than the whole. */
START_TEST(test_every_truncation)
{
	struct dg d = { .len = 0 };
	size_t n;

	addr_msg(&d, AF_INET6, RT_SCOPE_UNIVERSE, 0, ip6);
	route_msg(&d, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	for (n = 0; n <= d.len; n++)
		ck_assert_uint_le(netwatch_parse(d.b, n), 2);
	ck_assert_uint_eq(netwatch_parse(d.b, d.len), 2);
}
END_TEST

/* Bytes that are not netlink at all: bounded, no crash. */
START_TEST(test_garbage)
{
	unsigned char b[512] __attribute__((aligned(4)));
	uint32_t x = 2463534242u, len;
	size_t i, round;

	for (round = 0; round < 200; round++) {
		for (i = 0; i < sizeof(b); i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			b[i] = (unsigned char)x;
		}
		/* Small lengths often, so headers do chain. */
		len = x % 64;
		memcpy(b, &len, sizeof(len));
		ck_assert_uint_le(netwatch_parse(b, sizeof(b)),
		    sizeof(b) / 16);
	}
}
END_TEST

START_TEST(test_rate_limit)
{
	struct netwatch nw;

	memset(&nw, 0, sizeof(nw));
	nw.fd = -1;
	ck_assert_int_eq(netwatch_due_in(&nw, 0), -1);
	/* The first change retries at once, whatever the clock says. */
	ck_assert_int_eq(netwatch_note(&nw, 5000), 1);
	ck_assert_int_eq(netwatch_due_in(&nw, 5000), -1);
	/* Inside the gap: remembered, due when the gap ends. */
	ck_assert_int_eq(netwatch_note(&nw, 6000), 0);
	ck_assert_int_eq(netwatch_note(&nw, 9000), 0);
	ck_assert_int_eq(netwatch_due_in(&nw, 9000), 6000);
	ck_assert_int_eq(netwatch_take(&nw, 14999), 0);
	ck_assert_int_eq(netwatch_take(&nw, 15000), 1);
	/* Taken once: nothing pending any more, a new gap started. */
	ck_assert_int_eq(netwatch_due_in(&nw, 15000), -1);
	ck_assert_int_eq(netwatch_take(&nw, 40000), 0);
	ck_assert_int_eq(netwatch_note(&nw, 24999), 0);
	ck_assert_int_eq(netwatch_due_in(&nw, 30000), 0);
	ck_assert_int_eq(netwatch_take(&nw, 30000), 1);
	/* Past the gap a change retries at once again. */
	ck_assert_int_eq(netwatch_note(&nw, 40000), 1);
	ck_assert_int_eq(netwatch_note(&nw, 50000), 1);
}
END_TEST

/* Reading a closed watcher is harmless and finds nothing. */
START_TEST(test_read_without_socket)
{
	struct netwatch nw = { .fd = -1 };

	ck_assert_int_eq(netwatch_read(&nw), 0);
	netwatch_close(&nw);
	ck_assert_int_eq(nw.fd, -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("netwatch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_new_address_counts);
	tcase_add_test(tc, test_addresses_that_do_not_count);
	tcase_add_test(tc, test_ifa_flags_attribute);
	tcase_add_test(tc, test_default_route_counts);
	tcase_add_test(tc, test_routes_that_do_not_count);
	tcase_add_test(tc, test_rta_table);
	tcase_add_test(tc, test_several_in_one_datagram);
	tcase_add_test(tc, test_hostile_lengths);
	tcase_add_test(tc, test_every_truncation);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_read_without_socket);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
