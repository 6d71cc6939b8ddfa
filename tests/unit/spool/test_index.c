/*
 * The mailq index (spool_index.c): built on the first listing, used on the
 * next, and never able to show something the files do not say: stale,
 * torn, reordered or hostile index files fall back to the files.
 */
#include "spool_test.h"

#include <sys/wait.h>

#include "tests/unit/check_main.h"
#include "util/fsio.h"

#define N 4

struct pass {
	size_t n;
	char subject[N + 2][SPOOL_HDR_MAX];
	uint64_t size[N + 2];
	unsigned attempts[N + 2];
	size_t hits, reads, drops;
};

static void enqueue_n(struct tspool *t, size_t n,
    char ids[][SPOOL_QID_LEN + 1])
{
	struct envelope env;
	struct op_err e = { 0 };
	char body[64];
	size_t i;

	tspool_env(&env, 2);
	for (i = 0; i < n; i++) {
		int len = snprintf(body, sizeof(body), "body of %zu\n", i);

		snprintf(env.subject, sizeof(env.subject), "subject %zu", i);
		ck_assert_msg(tspool_enqueue(&t->sp, &env, body, (size_t)len,
		    ids[i], &e) == 0, "%s", e.msg);
	}
	envelope_free(&env);
}

static void keep(struct pass *p, size_t i, struct envelope *env)
{
	snprintf(p->subject[i], sizeof(p->subject[i]), "%s", env->subject);
	p->size[i] = env->size;
	p->attempts[i] = env->attempts;
	envelope_free(env);
}

/* What mailq does: list, load each entry through the index, end.  Or,
 * with use_index 0, the truth: spool_load() of every listed message. */
static void walk_with(struct tspool *t, struct pass *p, int use_index)
{
	struct spool_index ix;
	struct spool_list l;
	struct envelope env;
	struct op_err e = { 0 };
	size_t i;

	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(spool_list(&t->sp, &l, &e), 0);
	ck_assert_uint_le(l.n, N + 2);
	if (use_index)
		spool_index_begin(&t->sp, &ix);
	for (i = 0; i < l.n; i++) {
		ck_assert_msg((use_index ? spool_index_load(&t->sp, &ix, &l, i,
		    &env, &e) : spool_load(&t->sp, l.ids[i], &env, &e)) == 0,
		    "%s", e.msg);
		keep(p, i, &env);
	}
	p->n = l.n;
	if (use_index) {
		p->hits = ix.hits;
		p->reads = ix.reads;
		spool_index_end(&t->sp, &ix);
		p->drops = ix.drops;
	}
	spool_list_free(&l);
}

static void walk(struct tspool *t, struct pass *p)
{
	walk_with(t, p, 1);
}

static void truth(struct tspool *t, struct pass *p)
{
	walk_with(t, p, 0);
}

static void same(const struct pass *a, const struct pass *b)
{
	size_t i;

	ck_assert_uint_eq(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		ck_assert_str_eq(a->subject[i], b->subject[i]);
		ck_assert_uint_eq(a->size[i], b->size[i]);
		ck_assert_uint_eq(a->attempts[i], b->attempts[i]);
	}
}

static void read_index(struct tspool *t, char **buf, size_t *len)
{
	ck_assert_int_eq(read_file_max(t->sp.dirfd, "index", 1 << 20, buf,
	    len), 0);
}

static void write_index(struct tspool *t, const char *buf, size_t len)
{
	int fd = openat(t->sp.dirfd, "index",
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, buf, len), 0);
	close(fd);
}

START_TEST(built_then_used)
{
	char ids[N][SPOOL_QID_LEN + 1];
	struct pass p, want;
	struct stat a, b;
	struct tspool t;

	tspool_init(&t);
	enqueue_n(&t, N, ids);
	truth(&t, &want);
	walk(&t, &p);		/* no index yet: every file read */
	same(&p, &want);
	ck_assert_uint_eq(p.reads, N);
	ck_assert_uint_eq(p.hits, 0);
	ck_assert_int_eq(fstatat(t.sp.dirfd, "index", &a, 0), 0);
	walk(&t, &p);		/* now from the index, not rewritten */
	same(&p, &want);
	ck_assert_uint_eq(p.reads, 0);
	ck_assert_uint_eq(p.hits, N);
	ck_assert_uint_eq(p.drops, 0);
	ck_assert_int_eq(fstatat(t.sp.dirfd, "index", &b, 0), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
	tspool_done(&t);
}
END_TEST

/* A delivery state (.env) always comes from its file; the size from the
 * index.  A removed message drops its record, a new one is read. */
START_TEST(follows_the_queue)
{
	char ids[N + 1][SPOOL_QID_LEN + 1];
	struct envelope env;
	struct op_err e = { 0 };
	struct pass p, want;
	struct tspool t;

	tspool_init(&t);
	enqueue_n(&t, N, ids);
	walk(&t, &p);
	ck_assert_int_eq(spool_load(&t.sp, ids[1], &env, &e), 0);
	env.attempts = 7;
	ck_assert_int_eq(spool_update(&t.sp, &env, &e), 0);
	envelope_free(&env);
	ck_assert_int_eq(spool_remove(&t.sp, ids[2], &e), 0);
	enqueue_n(&t, 1, ids + N);
	truth(&t, &want);
	ck_assert_uint_eq(want.attempts[1], 7);
	walk(&t, &p);
	same(&p, &want);
	ck_assert_uint_eq(p.hits, N - 1);
	ck_assert_uint_eq(p.reads, 1);
	ck_assert_uint_eq(p.drops, 1);
	walk(&t, &p);
	same(&p, &want);
	ck_assert_uint_eq(p.hits, N);
	ck_assert_uint_eq(p.reads, 0);
	tspool_done(&t);
}
END_TEST

/* Change the subject of queue/<id>.msg ("subject N" -> "Subject N"):
 * in place (same inode) or as a new file renamed over it. */
static void edit_msg(struct tspool *t, const char *id, int in_place)
{
	char name[64], *buf, *at;
	size_t len;
	int fd;

	snprintf(name, sizeof(name), "%s.msg", id);
	ck_assert_int_eq(read_file_max(t->sp.queuefd, name, 1 << 20, &buf,
	    &len), 0);
	at = strstr(buf, "subject: subject ");
	ck_assert_ptr_nonnull(at);
	at[9] = 'S';
	if (in_place) {
		fd = openat(t->sp.queuefd, name, O_WRONLY | O_CLOEXEC);
	} else {
		fd = openat(t->sp.queuefd, "new", O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600);
	}
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, buf, len), 0);
	close(fd);
	if (!in_place)
		ck_assert_int_eq(renameat(t->sp.queuefd, "new", t->sp.queuefd,
		    name), 0);
	free(buf);
}

/* The record really is what mailq shows: under the same inode it wins
 * over the file (committed files are never rewritten, so that is sound);
 * a .msg replaced by another file is read again. */
START_TEST(keyed_by_inode)
{
	char ids[N][SPOOL_QID_LEN + 1];
	struct pass p;
	struct tspool t;

	tspool_init(&t);
	enqueue_n(&t, N, ids);
	walk(&t, &p);
	edit_msg(&t, ids[0], 1);
	walk(&t, &p);
	ck_assert_str_eq(p.subject[0], "subject 0");
	ck_assert_uint_eq(p.hits, N);
	edit_msg(&t, ids[1], 0);
	walk(&t, &p);
	ck_assert_str_eq(p.subject[1], "Subject 1");
	ck_assert_uint_eq(p.reads, 1);
	ck_assert_uint_eq(p.drops, 1);
	tspool_done(&t);
}
END_TEST

/* N messages queued, their truth, and the index a first walk wrote. */
static void prepare(struct tspool *t, struct pass *want, char **good,
    size_t *len)
{
	char ids[N][SPOOL_QID_LEN + 1];
	struct pass p;

	tspool_init(t);
	enqueue_n(t, N, ids);
	truth(t, want);
	walk(t, &p);
	read_index(t, good, len);
}

/* Every prefix of a good index (a torn write), and the index with each
 * byte changed: the listing is always exactly the files' truth. */
START_TEST(torn_and_flipped)
{
	struct pass p, want;
	struct tspool t;
	size_t len, i;
	char *good;

	prepare(&t, &want, &good, &len);
	for (i = 0; i <= len; i += 7) {
		write_index(&t, good, i);
		walk(&t, &p);
		same(&p, &want);
		ck_assert_uint_eq(p.hits + p.reads, N);
	}
	for (i = 0; i < len; i += 3) {
		char *bad = malloc(len);

		ck_assert_ptr_nonnull(bad);
		memcpy(bad, good, len);
		bad[i] ^= (char)(1 + i % 5);
		write_index(&t, bad, len);
		walk(&t, &p);
		same(&p, &want);
		free(bad);
	}
	free(good);
	tspool_done(&t);
}
END_TEST

/* Records out of order, doubled, or for ids not queued, foreign files and
 * a directory in its place: never a wrong listing, never an error. */
/* The records of an index in reverse order (ids descending). */
static size_t reversed(const char *good, size_t len, char *out)
{
	size_t at = sizeof(SPOOL_INDEX_MAGIC) - 1, start[N + 1], n = 0, o;
	struct spool_index_rec r;

	memcpy(out, good, at);
	o = at;
	start[0] = at;
	while (n < N && spool_index_next(good, len, &at, &r) == 1)
		start[++n] = at;
	ck_assert_uint_eq(n, N);
	while (n-- > 0) {
		memcpy(out + o, good + start[n], start[n + 1] - start[n]);
		o += start[n + 1] - start[n];
	}
	return o;
}

START_TEST(hostile_layouts)
{
	struct pass p, want;
	struct tspool t;
	size_t len, half;
	char *good, *two;

	prepare(&t, &want, &good, &len);
	/* the records twice: the second copy is all drops */
	two = malloc(2 * len);
	ck_assert_ptr_nonnull(two);
	memcpy(two, good, len);
	half = sizeof(SPOOL_INDEX_MAGIC) - 1;
	memcpy(two + len, good + half, len - half);
	write_index(&t, two, 2 * len - half);
	walk(&t, &p);
	same(&p, &want);
	ck_assert_uint_eq(p.hits, N);
	ck_assert_uint_ge(p.drops, 1);
	write_index(&t, two, reversed(good, len, two));
	walk(&t, &p);
	same(&p, &want);
	ck_assert_uint_ge(p.hits, 1);	/* the one that comes first */
	ck_assert_uint_eq(p.drops, N - 1);
	free(two);
	write_index(&t, "not an index\n", 13);
	walk(&t, &p);
	same(&p, &want);
	ck_assert_uint_eq(p.reads, N);
	ck_assert_int_eq(unlinkat(t.sp.dirfd, "index", 0), 0);
	ck_assert_int_eq(mkdirat(t.sp.dirfd, "index", 0700), 0);
	walk(&t, &p);		/* cannot be replaced: still right */
	same(&p, &want);
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
	free(good);
	tspool_done(&t);
}
END_TEST

/* A mailq killed while writing the new index leaves a locked-then-free
 * tmp file and the old index: recovery removes the tmp file. */
START_TEST(killed_writer)
{
	char ids[N][SPOOL_QID_LEN + 1];
	struct spool_recovery r;
	struct spool_index ix;
	struct spool_list l;
	struct envelope env;
	struct op_err e = { 0 };
	struct pass p, want;
	struct tspool t;
	int st;
	pid_t pid;

	tspool_init(&t);
	enqueue_n(&t, N, ids);
	truth(&t, &want);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (spool_list(&t.sp, &l, &e) < 0)
			_exit(2);
		spool_index_begin(&t.sp, &ix);
		if (spool_index_load(&t.sp, &ix, &l, 0, &env, &e) < 0)
			_exit(3);
		_exit(ix.fd >= 0 ? 0 : 4);	/* writing, never renamed */
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 1);
	ck_assert_int_eq(faccessat(t.sp.dirfd, "index", F_OK, 0), -1);
	ck_assert_int_eq(spool_recover(&t.sp, &r, &e), 0);
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
	walk(&t, &p);
	same(&p, &want);
	tspool_done(&t);
}
END_TEST

static int next_of(const char *s)
{
	struct spool_index_rec r;
	size_t at = 0;

	return spool_index_next(s, strlen(s), &at, &r);
}

/* The record reader alone: each field checked, nothing read past len. */
START_TEST(record_reader)
{
	static const char *const bad[] = {
		"0661712345678900abcd 1 2 3 0000000000000000\n",	/* short */
		"0661712345678900ABCD 1 2 2 0000000000000000\n\n\n",
		"0661712345678900abcd 0 2 2 0000000000000000\n\n\n",	/* ino 0 */
		"0661712345678900abcd 1 -2 2 0000000000000000\n\n\n",
		"0661712345678900abcd 1 2 2 000000000000000g\n\n\n",
		"0661712345678900abcd 1 2 2 0000000000000000 x\n\n\n",
		"0661712345678900abcd  1 2 2 0000000000000000\n\n\n",
		"0661712345678900abcd 1 2 1 0000000000000000\n\n",
		"0661712345678900abcd 1 2 99999999999 0000000000000000\n\n\n",
		"0661712345678900abcd 1 2 2 0000000000000000\nx\n",
		"0661712345678900abcd 1 2 2 0000000000000000\n\n\n",	/* hash */
		"0661712345678900abcd 1 2 2",
	};
	size_t i;
	char line[256];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(next_of(bad[i]) == -1, "%zu", i);
	ck_assert_int_eq(next_of(""), 0);
	memset(line, '1', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	ck_assert_int_eq(next_of(line), -1);	/* no LF in reach */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_index");
	TCase *tc = tcase_create("index");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, built_then_used);
	tcase_add_test(tc, follows_the_queue);
	tcase_add_test(tc, keyed_by_inode);
	tcase_add_test(tc, torn_and_flipped);
	tcase_add_test(tc, hostile_layouts);
	tcase_add_test(tc, killed_writer);
	tcase_add_test(tc, record_reader);
	suite_add_tcase(s, tc);
	return check_run(s);
}
