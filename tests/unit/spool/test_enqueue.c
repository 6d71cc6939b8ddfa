/* Unit tests for the durable enqueue: round trips of small, 1 MB and
 * streamed 20 MB messages (bytes compared), read-back before commit,
 * listing order, link() collisions and the message lock during commit. */
#include "spool_test.h"

#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#include "tests/unit/check_main.h"

static struct spool_tx tx;	/* 64 KB buffer: not on the stack */

/* Deterministic bytes (xorshift) so 20 MB can be checked without a copy. */
static void fill(unsigned char *p, size_t n, uint64_t *s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*s ^= *s << 13;
		*s ^= *s >> 7;
		*s ^= *s << 17;
		p[i] = (unsigned char)*s;
	}
}

/* Read the whole message of `id` and compare with the generator. */
static void check_stream(struct spool *sp, const char *id, uint64_t total,
    uint64_t seed)
{
	static unsigned char got[65536], want[65536];
	struct op_err e = { 0 };
	uint64_t len, done = 0;
	off_t off;
	int fd;

	ck_assert_msg(spool_open_msg(sp, id, &fd, &off, &len, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(len, total);
	while (done < total) {
		size_t n = total - done < sizeof(got) ? total - done : sizeof(got);
		ssize_t r = pread(fd, got, n, off + (off_t)done);

		ck_assert_int_eq(r, (ssize_t)n);
		fill(want, n, &seed);
		ck_assert_int_eq(memcmp(got, want, n), 0);
		done += n;
	}
	ck_assert_int_eq(pread(fd, got, 1, off + (off_t)done), 0);
	close(fd);
}

static void stream_test(uint64_t total, size_t chunk)
{
	static unsigned char buf[300000];
	struct tspool t;
	struct envelope env, back;
	struct op_err e = { 0 };
	char id[SPOOL_QID_LEN + 1];
	uint64_t seed = 0x9e3779b97f4a7c15u, s2 = seed, done = 0;

	ck_assert_uint_le(chunk, sizeof(buf));
	tspool_init(&t);
	tspool_env(&env, 2);
	ck_assert_msg(spool_tx_begin(&t.sp, &tx, &env, &e) == 0, "%s", e.msg);
	while (done < total) {
		size_t n = total - done < chunk ? total - done : chunk;

		fill(buf, n, &s2);
		ck_assert_msg(spool_tx_write(&tx, buf, n, &e) == 0, "%s", e.msg);
		done += n;
	}
	ck_assert_uint_eq(tx.msg_len, total);
	ck_assert_msg(spool_tx_commit(&tx, id, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 1);
	check_stream(&t.sp, id, total, seed);
	ck_assert_msg(spool_load(&t.sp, id, &back, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(back.id, id);
	ck_assert_uint_eq(back.size, total);
	ck_assert_uint_eq(back.nrcpt, 2);
	ck_assert_str_eq(back.rcpt[1].addr, "r1@example.net");
	ck_assert_str_eq(back.subject, env.subject);
	envelope_free(&back);
	envelope_free(&env);
	tspool_done(&t);
}

START_TEST(small_round_trip)
{
	stream_test(1, 1);
	stream_test(0, 1);
	stream_test(65536, 7);
}
END_TEST

START_TEST(one_megabyte)
{
	stream_test(1 << 20, 1 << 20 > 300000 ? 300000 : 1 << 20);
}
END_TEST

static long peak_kb(void)
{
	struct rusage ru;

	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

START_TEST(streamed_20mb)
{
	long before;

	stream_test(1 << 20, 8191);	/* warm up allocator and buffers */
	before = peak_kb();
	/* Odd chunk sizes cross the 64 KB buffer edges every which way. */
	stream_test(20u << 20, 8191);
	/* Memory stays flat: the message is never held whole. */
	ck_assert_int_lt(peak_kb() - before, 4096);
}
END_TEST

START_TEST(read_back_before_commit)
{
	struct tspool t;
	struct envelope env;
	struct op_err e = { 0 };
	char got[32], id[SPOOL_QID_LEN + 1];

	tspool_init(&t);
	tspool_env(&env, 1);
	env.arrival = 0;	/* begin fills in "now" */
	ck_assert_int_eq(spool_tx_begin(&t.sp, &tx, &env, &e), 0);
	ck_assert_int_eq(spool_tx_write(&tx, "Subject: x\n\nbody\n", 17, &e), 0);
	ck_assert_int_eq(spool_tx_flush(&tx, &e), 0);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
	ck_assert_int_eq(pread(tx.fd, got, 17, tx.msg_off), 17);
	ck_assert_int_eq(memcmp(got, "Subject: x\n\nbody\n", 17), 0);
	/* Writing continues at the end after a read-back. */
	ck_assert_int_eq(spool_tx_write(&tx, "more\n", 5, &e), 0);
	ck_assert_int_eq(spool_tx_commit(&tx, id, &e), 0);
	ck_assert_int_eq(tx.fd, -1);
	{
		int fd;
		off_t off;
		uint64_t len;

		ck_assert_int_eq(spool_open_msg(&t.sp, id, &fd, &off, &len, &e), 0);
		ck_assert_uint_eq(len, 22);
		ck_assert_int_eq(read(fd, got, sizeof(got)), 22);
		ck_assert_int_eq(memcmp(got, "Subject: x\n\nbody\nmore\n", 22), 0);
		close(fd);
	}
	{
		struct envelope back;

		ck_assert_int_eq(spool_load(&t.sp, id, &back, &e), 0);
		ck_assert_int_ge(back.arrival, time(NULL) - 60);
		ck_assert_int_le(back.arrival, time(NULL));
		envelope_free(&back);
	}
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(view_and_8bit_before_commit)
{
	static const char msg[] = "Subject: x\n\nb\xc3\xa4r\n";
	struct tspool t;
	struct envelope env, back;
	struct spool_view v;
	struct op_err e = { 0 };
	char id[SPOOL_QID_LEN + 1];

	tspool_init(&t);
	tspool_env(&env, 1);
	ck_assert_int_eq(env.body_8bit, 0);
	ck_assert_int_eq(spool_tx_begin(&t.sp, &tx, &env, &e), 0);
	ck_assert_int_eq(spool_tx_write(&tx, msg, sizeof(msg) - 1, &e), 0);
	/* The view shows the message bytes only, still buffered a moment
	 * ago, while nothing is visible in queue/. */
	ck_assert_msg(spool_tx_view(&tx, &v, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(v.len, sizeof(msg) - 1);
	ck_assert_int_eq(memcmp(v.msg, msg, v.len), 0);
	spool_view_close(&v);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
	ck_assert_msg(spool_tx_set_8bit(&tx, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_tx_commit(&tx, id, &e), 0);
	ck_assert_int_eq(spool_load(&t.sp, id, &back, &e), 0);
	ck_assert_int_eq(back.body_8bit, 1);
	ck_assert_uint_eq(back.size, sizeof(msg) - 1);
	envelope_free(&back);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(abort_leaves_nothing)
{
	struct tspool t;
	struct envelope env;
	struct op_err e = { 0 };

	tspool_init(&t);
	tspool_env(&env, 1);
	ck_assert_int_eq(spool_tx_begin(&t.sp, &tx, &env, &e), 0);
	ck_assert_int_eq(spool_tx_write(&tx, "x\n", 2, &e), 0);
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 1);
	spool_tx_abort(&tx);
	spool_tx_abort(&tx);	/* idempotent */
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(list_in_submission_order)
{
	struct tspool t;
	struct envelope env;
	struct spool_list l;
	struct op_err e = { 0 };
	char ids[5][SPOOL_QID_LEN + 1];
	int i, fd;

	tspool_init(&t);
	tspool_env(&env, 1);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(tspool_enqueue(&t.sp, &env, "m\n", 2, ids[i],
		    &e), 0);
	/* Junk that must not be listed. */
	fd = openat(t.sp.queuefd, "README", O_WRONLY | O_CREAT, 0600);
	close(fd);
	fd = openat(t.sp.queuefd, "0123456789ABCDEF0123.msg",
	    O_WRONLY | O_CREAT, 0600);
	close(fd);
	ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
	ck_assert_uint_eq(l.n, 5);
	for (i = 0; i < 5; i++)
		ck_assert_str_eq(l.ids[i], ids[i]);
	for (i = 1; i < 5; i++)
		ck_assert_int_lt(strcmp(ids[i - 1], ids[i]), 0);
	spool_list_free(&l);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(link_collision_takes_new_id)
{
	struct tspool t;
	struct envelope env, back;
	struct op_err e = { 0 };
	char name[64], first[SPOOL_QID_LEN + 1], id[SPOOL_QID_LEN + 1];
	int fd;

	tspool_init(&t);
	tspool_env(&env, 1);
	ck_assert_int_eq(spool_tx_begin(&t.sp, &tx, &env, &e), 0);
	memcpy(first, tx.id, sizeof(first));
	snprintf(name, sizeof(name), "%s.msg", tx.id);
	fd = openat(t.sp.queuefd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "someone else\n", 13), 13);
	close(fd);
	ck_assert_int_eq(spool_tx_write(&tx, "mine\n", 5, &e), 0);
	ck_assert_msg(spool_tx_commit(&tx, id, &e) == 0, "%s", e.msg);
	ck_assert_str_ne(id, first);
	ck_assert_msg(spool_load(&t.sp, id, &back, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(back.id, id);	/* header rewritten with the new id */
	ck_assert_uint_eq(back.size, 5);
	envelope_free(&back);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(msg_locked_until_commit_done)
{
	struct tspool t;
	struct envelope env;
	struct op_err e = { 0 };
	char id[SPOOL_QID_LEN + 1];
	int lfd, lfd2;

	tspool_init(&t);
	tspool_env(&env, 1);
	ck_assert_int_eq(tspool_enqueue(&t.sp, &env, "m\n", 2, id, &e), 0);
	ck_assert_int_eq(spool_lock_msg(&t.sp, id, &lfd, &e), 1);
	ck_assert_int_eq(spool_lock_msg(&t.sp, id, &lfd2, &e), 0);
	ck_assert_int_eq(lfd2, -1);
	spool_unlock_msg(lfd);
	ck_assert_int_eq(spool_lock_msg(&t.sp, id, &lfd2, &e), 1);
	spool_unlock_msg(lfd2);
	ck_assert_int_eq(spool_lock_msg(&t.sp, "../../etc/passwd", &lfd, &e),
	    -1);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_enqueue");
	TCase *tc = tcase_create("enqueue");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, small_round_trip);
	tcase_add_test(tc, one_megabyte);
	tcase_add_test(tc, streamed_20mb);
	tcase_add_test(tc, read_back_before_commit);
	tcase_add_test(tc, view_and_8bit_before_commit);
	tcase_add_test(tc, abort_leaves_nothing);
	tcase_add_test(tc, list_in_submission_order);
	tcase_add_test(tc, link_collision_takes_new_id);
	tcase_add_test(tc, msg_locked_until_commit_done);
	suite_add_tcase(s, tc);
	return check_run(s);
}
