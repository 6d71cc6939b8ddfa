/*
 * Recipient and header rules: private (no list among the recipients),
 * cc-trimmed (against the parent given by the caller), encrypted mail to a
 * list, series-too-long, missing-threading.  Addresses come from the
 * caller's envelope or every To/Cc field (lint_addr.c); a list is a
 * configured glob or, by default, a known list domain.
 */
#include "lint/lint_int.h"
#include "util/parse.h"
#include "util/printable.h"

#include <fnmatch.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#define HDR_BUF 8192
#define SERIES_MAX 15

static const char *const list_domains[] = {
	"vger.kernel.org", "lists.linux.dev", "lists.infradead.org",
	"lists.freedesktop.org", "lists.ozlabs.org", "kvack.org",
	"lists.sourceforge.net", "lists.linaro.org", "lists.osuosl.org",
	"alsa-project.org", "lists.xenproject.org",
	"lists.linux-foundation.org", "googlegroups.com", NULL
};

static int domain_is(const char *addr, const char *dom)
{
	const char *at = strrchr(addr, '@');
	size_t n, k = strlen(dom);

	if (!at)
		return 0;
	at++;
	n = strlen(at);
	return (n == k && strcmp(at, dom) == 0) ||
	    (n > k && at[n - k - 1] == '.' && strcmp(at + n - k, dom) == 0);
}

static const char *const list_locals[] = {
	"dev", "devel", "users", "user", "discuss", "general", "announce",
	"patches", "-devel", "-dev", "-users", "-discuss", "-discussion",
	"-announce", "-list", "-patches", NULL
};

/* Without configured lists: the usual shapes of list addresses (a lists.*
 * host, dev@ / foo-devel@ style names, notmuch@notmuchmail.org). */
static int list_like(const char *addr, const char *at)
{
	size_t ln = (size_t)(at - addr), dn = strlen(at + 1);

	if (lint_str_prefix(at, dn + 1, "@lists.") ||
	    lint_str_find(at, dn + 1, ".lists.") || domain_is(addr, "gmane.org"))
		return 1;
	for (size_t i = 0; list_locals[i]; i++) {
		const char *w = list_locals[i];
		size_t k = strlen(w);

		if (w[0] == '-' ? (ln > k && memcmp(at - k, w, k) == 0) :
		    (ln == k && memcmp(addr, w, k) == 0))
			return 1;
	}
	return ln >= 4 && dn > ln && memcmp(addr, at + 1, ln) == 0;
}

static int is_list(const struct lint_ctx *c, const char *addr)
{
	const char *at = strrchr(addr, '@');

	if (strcmp(addr, "security@kernel.org") == 0 ||
	    strcmp(addr, "x86@kernel.org") == 0)
		return 0;
	if (c->nlists > 0 && c->lists) {
		for (size_t i = 0; i < c->nlists; i++)
			if (c->lists[i] && fnmatch(c->lists[i], addr,
			    FNM_CASEFOLD) == 0)
				return 1;
		return 0;
	}
	for (size_t i = 0; list_domains[i]; i++)
		if (domain_is(addr, list_domains[i]))
			return 1;
	return at && list_like(addr, at);
}

static int is_own(const struct lint_ctx *c, const struct lint_addrs *from,
    const char *addr)
{
	for (size_t i = 0; i < c->nown; i++)
		if (c->own && c->own[i] && strcasecmp(c->own[i], addr) == 0)
			return 1;
	return lint_addr_has(from, addr);
}

struct rc {
	struct lint_addrs rcpt, from, want, author;
	char buf[HDR_BUF];
	char subject[1024];
};

/* Recipients: the caller's envelope, else every To and Cc field. */
static int load_rcpts(const struct lint_msg *m, struct rc *r)
{
	const struct lint_ctx *c = m->ctx;
	int rc = 0;

	if (c->rcpts && c->nrcpts > 0) {
		for (size_t i = 0; rc == 0 && i < c->nrcpts; i++)
			if (c->rcpts[i])
				rc = lint_addr_add(&r->rcpt, c->rcpts[i],
				    strlen(c->rcpts[i]));
	} else {
		rc = lint_addr_from_header(&r->rcpt, m->raw, m->hdr_len, "To");
		if (rc == 0)
			rc = lint_addr_from_header(&r->rcpt, m->raw, m->hdr_len,
			    "Cc");
	}
	if (rc == 0)
		rc = lint_addr_from_header(&r->from, m->raw, m->hdr_len,
		    "From");
	lint_addr_finish(&r->rcpt);
	lint_addr_finish(&r->from);
	return rc;
}

static int patch_mail(const struct lint_msg *m, const struct rc *r)
{
	return m->has_patch ||
	    lint_str_ifind(r->subject, strlen(r->subject), "[patch") != NULL;
}

static void rule_private(struct lint_msg *m, const struct rc *r)
{
	size_t others = 0, lists = 0;
	int patch = patch_mail(m, r);

	for (size_t i = 0; i < r->rcpt.n; i++) {
		const char *a = r->rcpt.v[i];

		if (strcmp(a, "security@kernel.org") == 0)
			return;	/* private by design */
		if (is_own(m->ctx, &r->from, a))
			continue;
		others++;
		lists += is_list(m->ctx, a);
	}
	/* a field we could not read may hold the list: unknown, not private */
	if (others == 0 || lists > 0 || r->rcpt.uncertain)
		return;
	lint_emit(m, "private", "no-list", patch ? LINT_ERROR : LINT_WARNING,
	    !patch, 0, 0, "no mailing list among the %zu recipient%s%s",
	    others, others == 1 ? "" : "s", patch ? " of a patch" : "");
}

/* What the parent asks a reply to go to: Mail-Followup-To, else its
 * From, To and Cc. */
static int parent_wants(const struct lint_ctx *c, struct rc *r)
{
	size_t hl = lint_hdr_end(c->parent, c->parent_len);
	int rc = lint_addr_from_header(&r->author, c->parent, hl, "From");

	if (rc == 0 && lint_hdr_get(c->parent, hl, "Mail-Followup-To", r->buf,
	    HDR_BUF))
		rc = lint_addr_from_header(&r->want, c->parent, hl,
		    "Mail-Followup-To");
	else if (rc == 0) {
		rc = lint_addr_from_header(&r->want, c->parent, hl, "From");
		if (rc == 0)
			rc = lint_addr_from_header(&r->want, c->parent, hl,
			    "To");
		if (rc == 0)
			rc = lint_addr_from_header(&r->want, c->parent, hl,
			    "Cc");
	}
	lint_addr_finish(&r->author);
	lint_addr_finish(&r->want);
	return rc;
}

static void rule_cc_trimmed(struct lint_msg *m, struct rc *r)
{
	size_t missing = 0, lists = 0, first = 0;
	int author_gone = 0;
	char show[128];

	if (!m->ctx->parent || m->ctx->parent_len == 0)
		return;
	if (parent_wants(m->ctx, r) != 0) {
		m->oom = 1;
		return;
	}
	for (size_t i = 0; i < r->want.n; i++) {
		const char *a = r->want.v[i];

		if (is_own(m->ctx, &r->from, a) || lint_addr_has(&r->rcpt, a))
			continue;
		if (missing++ == 0)
			first = i;
		lists += is_list(m->ctx, a);
		author_gone |= lint_addr_has(&r->author, a);
	}
	/* an unreadable field of ours may hold them: say nothing */
	if (r->rcpt.uncertain)
		return;
	if (missing == 0)
		return;
	printable(show, sizeof(show), r->want.v[first], strlen(r->want.v[first]));
	lint_emit(m, "cc-trimmed", lists ? "list-dropped" : author_gone ?
	    "author-dropped" : "cc-dropped", lists ? LINT_ERROR : LINT_WARNING,
	    1, 0, 0, "%zu address%s of the parent missing (%s%s)%s", missing,
	    missing == 1 ? "" : "es", show, missing > 1 ? ", ..." : "",
	    lists ? ": a list was dropped" : "");
}

static int pgp_inline(const struct lint_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (lint_str_prefix(lint_line_ptr(t, i), t->v[i].len,
		    "-----BEGIN PGP MESSAGE-----"))
			return 1;
	return 0;
}

static void rule_encrypted(struct lint_msg *m, const struct rc *r)
{
	if (!m->encrypted && !pgp_inline(&m->text))
		return;
	for (size_t i = 0; i < r->rcpt.n; i++)
		if (is_list(m->ctx, r->rcpt.v[i])) {
			lint_emit(m, "encrypted", NULL, LINT_ERROR, 0, 0, 0,
			    "encrypted message sent to a mailing list");
			return;
		}
}

/* Total of a "[PATCH v2 3/27]" prefix, or 0; the number in front of the
 * slash goes to *idx. */
static uint64_t series_total(const char *s, uint64_t *idx)
{
	const char *b = strchr(s, '[');
	const char *e = b ? strchr(b, ']') : NULL;
	uint64_t total = 0;

	*idx = 0;
	if (!e || !lint_str_ifind(b, (size_t)(e - b), "patch"))
		return 0;
	for (const char *p = b + 1; p < e; p++) {
		const char *q = p + 1, *a = p;

		if (*p != '/' || p == b + 1 || p[-1] < '0' || p[-1] > '9')
			continue;
		while (a > b + 1 && a[-1] >= '0' && a[-1] <= '9')
			a--;
		while (q < e && *q >= '0' && *q <= '9')
			q++;
		if (q > p + 1 && parse_uint(p + 1, (size_t)(q - p - 1), 0,
		    1000000, &total) == 0 && parse_uint(a, (size_t)(p - a), 0,
		    1000000, idx) == 0)
			return total;
	}
	return 0;
}

static int reply_subject(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	return lint_str_iprefix(s, n, "re:") || lint_str_iprefix(s, n, "re[");
}

/* Only the patches themselves: a review of patch 9/18 is a reply
 * ("Re: [PATCH 09/18]"), not another long series. */
static void rule_series(struct lint_msg *m, const struct rc *r)
{
	uint64_t idx, n = series_total(r->subject, &idx);

	/* the git hook sees each patch alone: say it once, with the last */
	if (m->ctx->series_once && idx != n)
		return;
	if (n > SERIES_MAX && !reply_subject(r->subject))
		lint_emit(m, "series-too-long", NULL, LINT_WARNING, 0, 0, 0,
		    "series of %llu patches (lists ask for at most %d at once)",
		    (unsigned long long)n, SERIES_MAX);
}

static void rule_threading(struct lint_msg *m, struct rc *r)
{
	int irt = lint_hdr_get(m->raw, m->hdr_len, "In-Reply-To", r->buf,
	    HDR_BUF) > 0;
	int refs = lint_hdr_get(m->raw, m->hdr_len, "References", r->buf,
	    HDR_BUF) > 0;

	if (reply_subject(r->subject) && !irt && !refs)
		lint_emit(m, "missing-threading", NULL, LINT_WARNING, 0, 0, 0,
		    "reply subject but no In-Reply-To or References header");
}

void rule_recipients_run(struct lint_msg *m)
{
	struct rc *r = calloc(1, sizeof(*r));

	if (!r) {
		m->oom = 1;
		return;
	}
	if (load_rcpts(m, r) != 0)
		m->oom = 1;
	lint_hdr_get(m->raw, m->hdr_len, "Subject", r->subject,
	    sizeof(r->subject));
	if (!m->oom) {
		rule_private(m, r);
		rule_cc_trimmed(m, r);
		rule_encrypted(m, r);
	}
	rule_series(m, r);
	rule_threading(m, r);
	lint_addr_free(&r->rcpt);
	lint_addr_free(&r->from);
	lint_addr_free(&r->want);
	lint_addr_free(&r->author);
	free(r);
}
