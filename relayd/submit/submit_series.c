/*
 * Series membership at submission (see submit_series.h).  The run key
 * groups the messages one tool run produced:
 *   git send-email   <20261206103000.4242-3-alice@example.org>  serial 3
 *   git format-patch <0123...40 hex.1764950000.git.alice@example.org>
 *                    <cover.1764950000.git.alice@example.org>
 *   b4               <20261206-topic-v2-3-0123456789ab@example.org>  k 3
 * and says whether the series has a cover letter (git send-email: the
 * serial is k + 1; format-patch and b4: a reference to the cover's id).
 */
#include "relayd/submit/submit_series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"
#include "util/sha256.h"

#define REFS_MAX	32	/* thread ids looked at */
#define ID_MAX		256	/* longest message id used */

struct refs {
	char id[REFS_MAX][ID_MAX];
	size_t n;
};

struct runkey {
	char key[SPOOL_HDR_MAX + 8];
	int cover;
};

static int digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

static int hexes(const char *s, size_t n)
{
	return n > 0 && strspn(s, "0123456789abcdef") >= n;
}

/* Every <...> of a header value, in order, into r (bounded). */
static void add_ids(struct refs *r, const char *v, size_t len)
{
	const char *p = v, *end = v + len, *lt, *gt;

	while (r->n < REFS_MAX && (lt = memchr(p, '<', (size_t)(end - p)))) {
		gt = memchr(lt, '>', (size_t)(end - lt));
		if (gt == NULL)
			break;
		if ((size_t)(gt - lt) + 1 < ID_MAX) {
			memcpy(r->id[r->n], lt, (size_t)(gt - lt) + 1);
			r->id[r->n++][gt - lt + 1] = '\0';
		}
		p = gt + 1;
	}
}

static int read_refs(const struct submit_hdrs *h, const char *name,
    struct refs *r)
{
	long i = submit_hdr_find(h, name, 0);
	size_t len;
	char *v;

	if (i < 0)
		return 0;
	v = submit_hdr_value(h, (size_t)i, &len);
	if (v == NULL)
		return -1;
	add_ids(r, v, len);
	free(v);
	return 0;
}

/* git send-email: "<14 digits>.<pid>-<serial>-<rest>". */
static int git_send_email(const char *id, const struct series_tag *t,
    struct runkey *rk)
{
	const char *p = id + 1, *dash1, *dash2;
	uint64_t serial;

	dash1 = strchr(p, '-');
	if (dash1 == NULL || (size_t)(dash1 - p) < 16 || !digits(p, 14) ||
	    p[14] != '.' || !digits(p + 15, (size_t)(dash1 - p) - 15))
		return 0;
	dash2 = strchr(dash1 + 1, '-');
	if (dash2 == NULL || parse_uint(dash1 + 1, (size_t)(dash2 - dash1 - 1),
	    1, 100000, &serial) < 0)
		return 0;
	snprintf(rk->key, sizeof(rk->key), "git:%.*s%s", (int)(dash1 - p), p,
	    dash2);
	rk->cover = serial == (uint64_t)t->k + 1;
	return 1;
}

/* format-patch: "<cover|hex>.<digits>.git.<rest>". */
static int format_patch(const char *id, const struct refs *r,
    struct runkey *rk)
{
	const char *p = id + 1, *dot = strchr(p, '.'), *tail;
	size_t i, hl;

	if (dot == NULL)
		return 0;
	hl = (size_t)(dot - p);
	if (!(hl == 5 && memcmp(p, "cover", 5) == 0) &&
	    !((hl == 40 || hl == 64) && hexes(p, hl)))
		return 0;
	tail = dot + 1 + strspn(dot + 1, "0123456789");
	if (tail == dot + 1 || strncmp(tail, ".git.", 5) != 0)
		return 0;
	snprintf(rk->key, sizeof(rk->key), "fp:%s", dot + 1);
	rk->cover = hl == 5;
	for (i = 0; i < r->n; i++)
		if (strncmp(r->id[i], "<cover.", 7) == 0 &&
		    strcmp(r->id[i] + 6, dot) == 0)
			rk->cover = 1;
	return 1;
}

/* b4: "<stable-vR-K-hex12@domain>"; K is the part number.  Splits the
 * local part from the right: at, hex12, K, vR. */
static int b4_split(const char *id, const char **vr, const char **kpos,
    const char **hex, const char **at)
{
	const char *p;

	*at = strrchr(id, '@');
	if (*at == NULL || *at - id < 20)
		return 0;
	*hex = *at - 12;
	if ((*hex)[-1] != '-' || !hexes(*hex, 12))
		return 0;
	for (p = *hex - 2; p > id && *p != '-'; p--)
		;
	*kpos = p + 1;
	if (*p != '-' || !digits(*kpos, (size_t)(*hex - 1 - *kpos)))
		return 0;
	for (p = *kpos - 2; p > id && *p != '-'; p--)
		;
	*vr = p + 1;
	return *p == '-' && **vr == 'v' &&
	    digits(*vr + 1, (size_t)(*kpos - 2 - *vr));
}

static int b4(const char *id, const struct series_tag *t,
    const struct refs *r, struct runkey *rk)
{
	const char *vr, *kp, *hex, *at, *vr2, *kp2, *hex2, *at2;
	uint64_t k;
	size_t i;

	if (!b4_split(id, &vr, &kp, &hex, &at) ||
	    parse_uint(kp, (size_t)(hex - 1 - kp), 0, 999, &k) < 0 ||
	    k != t->k)
		return 0;
	snprintf(rk->key, sizeof(rk->key), "b4:%.*s%s", (int)(kp - id), id,
	    hex);
	rk->cover = k == 0;
	for (i = 0; i < r->n; i++)
		if (b4_split(r->id[i], &vr2, &kp2, &hex2, &at2) &&
		    kp2 - r->id[i] == kp - id &&
		    memcmp(r->id[i], id, (size_t)(kp - id)) == 0 &&
		    strcmp(hex2, hex) == 0 && kp2[0] == '0' && kp2[1] == '-')
			rk->cover = 1;
	return 1;
}

static void run_key(const char *own, const struct series_tag *t,
    const struct refs *refs, const struct refs *irt, struct runkey *rk)
{
	memset(rk, 0, sizeof(*rk));
	if (own[0] == '<' && (git_send_email(own, t, rk) ||
	    format_patch(own, refs, rk) || b4(own, t, refs, rk)))
		return;
	/* Other tools: the thread root. */
	snprintf(rk->key, sizeof(rk->key), "t:%s", refs->n > 0 ? refs->id[0] :
	    irt->n > 0 ? irt->id[0] : own);
	rk->cover = t->k == 0;
}

static void hash16(char out[SPOOL_SERIES_KEY], const char *sender,
    const struct series_tag *t, const char *run)
{
	unsigned char d[32];
	struct sha256 s;
	char n[8];

	snprintf(n, sizeof(n), "%u", t->n);
	sha256_init(&s);
	sha256_update(&s, sender, strlen(sender) + 1);
	sha256_update(&s, t->prefix, strlen(t->prefix) + 1);
	sha256_update(&s, n, strlen(n) + 1);
	if (run != NULL)
		sha256_update(&s, run, strlen(run));
	sha256_final(&s, d);
	sha256_hex(d, (SPOOL_SERIES_KEY - 1) / 2, out);
}

int submit_series_detect(const struct submit_hdrs *h, struct envelope *env)
{
	struct series_tag t;
	struct refs *refs, *irt;
	struct runkey rk;
	int r = -1;

	env->series[0] = '\0';
	if (!series_tag_parse(env->subject, strlen(env->subject), &t))
		return 0;
	refs = calloc(2, sizeof(*refs));
	if (refs == NULL)
		return -1;
	irt = refs + 1;
	if (read_refs(h, "References", refs) == 0 &&
	    read_refs(h, "In-Reply-To", irt) == 0) {
		/* References first, then In-Reply-To: cover detection
		 * looks at both. */
		add_ids(refs, irt->n > 0 ? irt->id[0] : "", irt->n > 0 ?
		    strlen(irt->id[0]) : 0);
		run_key(env->message_id, &t, refs, irt, &rk);
		hash16(env->series, env->sender, &t, rk.key);
		hash16(env->series_copy, env->sender, &t, NULL);
		env->series_k = t.k;
		env->series_n = t.n;
		env->series_cover = rk.cover || t.k == 0;
		r = 0;
	}
	free(refs);
	return r;
}
