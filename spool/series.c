/*
 * The patch series in the queue and the one rule that decides, for each
 * member, whether it may go now (see README "Patch series"): a series goes
 * when all its parts are queued (cover letter too when it has one), waits
 * series_wait after the last arrival, then stays held; a series with a
 * refused member is held (its mark); an older copy of a series sent again
 * is superseded.  Built from the spool, read-only; the runner acts on it.
 */
#include "spool/spool_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t title_hash(const char *subject)
{
	struct series_tag t;
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	if (!series_tag_parse(subject, strlen(subject), &t))
		return 0;
	for (i = 0; i < t.title_len; i++)
		h = (h ^ (unsigned char)t.title[i]) * 1099511628211ULL;
	return h;
}

static int add(struct series_set *s, const struct envelope *env)
{
	struct series_member *m;

	if (s->n % 64 == 0) {
		m = realloc(s->m, (s->n + 64) * sizeof(*m));
		if (m == NULL)
			return -1;
		s->m = m;
	}
	m = &s->m[s->n++];
	memset(m, 0, sizeof(*m));
	memcpy(m->id, env->id, sizeof(m->id));
	memcpy(m->key, env->series, sizeof(m->key));
	memcpy(m->copy, env->series_copy, sizeof(m->copy));
	m->k = env->series_k;
	m->n = env->series_n;
	m->cover = env->series_cover || env->series_k == 0;
	m->released = env->released;
	m->arrival = env->arrival;
	m->title = title_hash(env->subject);
	return 0;
}

/* b replaces a: the same part (k, title) of the same series sent again,
 * later.  A new copy (other key, same copy key) supersedes the whole
 * older copy; a duplicate within one copy only that part. */
static void supersede(struct series_set *s)
{
	size_t i, j, x;

	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->n; j++) {
			const struct series_member *a = &s->m[i], *b = &s->m[j];

			if (i == j || a->k != b->k || a->title != b->title ||
			    strcmp(a->copy, b->copy) != 0 ||
			    strcmp(b->id, a->id) <= 0)
				continue;
			if (strcmp(a->key, b->key) == 0) {
				s->m[i].superseded = 1;
				continue;
			}
			for (x = 0; x < s->n; x++)
				if (strcmp(s->m[x].key, a->key) == 0)
					s->m[x].superseded = 1;
		}
}

int series_set_build(struct spool *sp, int64_t now, uint64_t wait,
    struct series_set *s, struct op_err *e)
{
	struct spool_list l;
	struct envelope env;
	size_t i;
	int r = 0;

	memset(s, 0, sizeof(*s));
	s->sp = sp;
	s->now = now;
	s->wait = wait;
	if (spool_list(sp, &l, e) < 0)
		return -1;
	for (i = 0; i < l.n && r == 0; i++) {
		if (spool_load(sp, l.ids[i], &env, NULL) < 0)
			continue;	/* gone or damaged: recovery's job */
		if (env.series[0] != '\0' && add(s, &env) < 0)
			r = op_errf(e, OP_TEMP, "series: out of memory");
		envelope_free(&env);
	}
	spool_list_free(&l);
	if (r == 0)
		supersede(s);
	return r;
}

void series_set_free(struct series_set *s)
{
	free(s->m);
	s->m = NULL;
	s->n = 0;
}

const struct series_member *series_find(const struct series_set *s,
    const char *id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->m[i].id, id) == 0)
			return &s->m[i];
	return NULL;
}

/* Parts of series `key` queued (distinct k, superseded ones left out),
 * parts needed, and the last arrival. */
static void count(const struct series_set *s, const char *key,
    unsigned *have, unsigned *need, int64_t *last)
{
	unsigned char seen[SPOOL_SERIES_MAX + 1];
	unsigned n = 0;
	int cover = 0;
	size_t i;

	memset(seen, 0, sizeof(seen));
	*have = 0;
	*last = 0;
	for (i = 0; i < s->n; i++) {
		const struct series_member *m = &s->m[i];

		if (strcmp(m->key, key) != 0 || m->superseded)
			continue;
		n = m->n;
		cover |= m->cover;
		if (m->arrival > *last)
			*last = m->arrival;
		if (!seen[m->k]) {
			seen[m->k] = 1;
			(*have)++;
		}
	}
	*need = n + (cover ? 1 : 0);
}

int series_complete(const struct series_set *s, const char *key)
{
	unsigned have, need;
	int64_t last;

	count(s, key, &have, &need, &last);
	return need > 0 && have >= need;
}

void series_verdict(const struct series_set *s, const struct envelope *env,
    struct series_verdict *v)
{
	const struct series_member *m = series_find(s, env->id);
	unsigned have, need;
	int64_t last;

	memset(v, 0, sizeof(*v));
	v->st = SERIES_NONE;
	if (env->series[0] == '\0')
		return;
	v->st = SERIES_GO;
	if (env->released)
		return;
	if (m != NULL && m->superseded) {
		v->st = SERIES_SUPERSEDED;
		snprintf(v->reason, sizeof(v->reason), "superseded: this "
		    "patch was sent again; the newer copy goes instead");
		return;
	}
	if (series_mark_get(s->sp, env->series, v->reason,
	    sizeof(v->reason))) {
		v->st = SERIES_HELD;
		return;
	}
	count(s, env->series, &have, &need, &last);
	if (have >= need)
		return;
	v->st = s->now < last + (int64_t)s->wait ? SERIES_WAIT : SERIES_HELD;
	v->until = last + (int64_t)s->wait;
	snprintf(v->reason, sizeof(v->reason), v->st == SERIES_WAIT ?
	    "waiting for the rest of the series: %u of %u queued" :
	    "series incomplete: %u of %u queued (send the rest, or `outpost "
	    "release` these)", have, need);
}

static int cmp_part(const void *a, const void *b)
{
	const struct series_member *x = *(const struct series_member *const *)a;
	const struct series_member *y = *(const struct series_member *const *)b;

	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return strcmp(x->id, y->id);
}

size_t series_parts(const struct series_set *s, const char *key,
    const struct series_member **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < s->n && n < max; i++)
		if (strcmp(s->m[i].key, key) == 0)
			out[n++] = &s->m[i];
	if (n > 1)
		qsort(out, n, sizeof(*out), cmp_part);
	return n;
}
