/*
 * Header rewrite for submission.  Bcc/Resent-Bcc go away in every mode
 * (with or without -t): their whole point is that other recipients never
 * see them.  Date/Message-ID/From are appended only when absent; existing
 * fields are copied byte for byte.  The Message-ID domain is the sender's,
 * never gethostname() (a laptop name is private and usually not a domain).
 */
#include "relayd/submit/submit_rewrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/printable.h"
#include "util/ascii8.h"

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	char *np;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;

		np = realloc(b->p, cap);
		if (np == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

int submit_rewrite_check_name(const char *name, struct op_err *e)
{
	size_t i, n = strlen(name);

	if (n > SUBMIT_NAME_MAX)
		return op_errf(e, OP_DATA, "invalid -F name: longer than %d "
		    "bytes", SUBMIT_NAME_MAX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		/* A CR or LF here would start a new header field (From:
		 * injection); other controls have no place in a name. */
		if (c == '\r' || c == '\n')
			return op_errf(e, OP_DATA, "invalid -F name: contains "
			    "a line break");
		if (c < 0x20 || c == 0x7f)
			return op_errf(e, OP_DATA, "invalid -F name: contains "
			    "a control character");
	}
	return 0;
}

size_t submit_rewrite_date(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	/* strftime's %a/%b are English because we never call setlocale(). */
	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return strftime(out, outlen, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

static void add_base64(struct sbuf *b, const unsigned char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;

		v |= i + 1 < n ? (unsigned)s[i + 1] << 8 : 0;
		v |= i + 2 < n ? s[i + 2] : 0;
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		sb_add(b, q, 4);
	}
}

/* Non-ASCII name: RFC 2047 encoded words of at most 45 input bytes, never
 * splitting a UTF-8 sequence, folded onto continuation lines. */
static void add_encoded_name(struct sbuf *b, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = strlen(name), i = 0, k;

	while (i < n) {
		k = n - i > 45 ? 45 : n - i;
		while (k > 1 && i + k < n && (s[i + k] & 0xc0) == 0x80)
			k--;
		sb_str(b, i == 0 ? "=?UTF-8?B?" : "\n =?UTF-8?B?");
		add_base64(b, s + i, k);
		sb_str(b, "?=");
		i += k;
	}
}

static void add_quoted_name(struct sbuf *b, const char *name)
{
	sb_str(b, "\"");
	for (; *name != '\0'; name++) {
		if (*name == '"' || *name == '\\')
			sb_str(b, "\\");
		sb_add(b, name, 1);
	}
	sb_str(b, "\"");
}

static void add_from(struct sbuf *b, const struct submit_rewrite_in *in)
{
	sb_str(b, "From: ");
	if (in->fullname != NULL && in->fullname[0] != '\0') {
		if (!str_has_8bit(in->fullname))
			add_quoted_name(b, in->fullname);
		else
			add_encoded_name(b, in->fullname);
		sb_str(b, " <");
		sb_str(b, in->sender);
		sb_str(b, ">\n");
	} else {
		sb_str(b, in->sender);
		sb_str(b, "\n");
	}
}

static void make_msgid(const struct submit_rewrite_in *in, char *out,
    size_t outlen)
{
	char hex[2 * SUBMIT_RND_LEN + 1], stamp[32];
	struct tm tm;
	size_t i;

	for (i = 0; i < SUBMIT_RND_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", in->rnd[i]);
	if (gmtime_r(&in->now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm) == 0)
		memcpy(stamp, "0", 2);
	snprintf(out, outlen, "<%s.%s@%s>", stamp, hex,
	    in->domain != NULL && in->domain[0] != '\0' ? in->domain :
	    "outpost.invalid");
}

/* Copy the fields we keep; mark Bcc and Resent-Bcc dropped. */
static void copy_fields(struct submit_hdrs *h, struct sbuf *b,
    struct submit_rewrite_out *out)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		struct submit_field *f = &h->f[i];

		if ((f->name_len == 3 &&
		    strncasecmp(h->buf + f->off, "Bcc", 3) == 0) ||
		    (f->name_len == 10 &&
		    strncasecmp(h->buf + f->off, "Resent-Bcc", 10) == 0)) {
			f->drop = 1;
			out->dropped++;
			continue;
		}
		sb_add(b, h->buf + f->off, f->len);
		if (f->len > 0 && h->buf[f->off + f->len - 1] != '\n')
			sb_str(b, "\n");
	}
}

/* Printable copy of the value of the first field `name`, "" when none. */
static int copy_value(const struct submit_hdrs *h, const char *name,
    char *out, size_t outlen)
{
	long i = submit_hdr_find(h, name, 0);
	size_t n;
	char *v;

	out[0] = '\0';
	if (i < 0)
		return 0;
	v = submit_hdr_value(h, (size_t)i, &n);
	if (v == NULL)
		return -1;
	printable(out, outlen, v, n);
	free(v);
	return 0;
}

static void add_missing(const struct submit_hdrs *h,
    const struct submit_rewrite_in *in, struct sbuf *b,
    struct submit_rewrite_out *out)
{
	char v[SPOOL_HDR_MAX];

	if (submit_hdr_find(h, "Date", 0) < 0 &&
	    submit_rewrite_date(in->now, v, sizeof(v)) > 0) {
		sb_str(b, "Date: ");
		sb_str(b, v);
		sb_str(b, "\n");
		out->added_date = 1;
	}
	if (submit_hdr_find(h, "Message-ID", 0) < 0) {
		make_msgid(in, v, sizeof(v));
		sb_str(b, "Message-ID: ");
		sb_str(b, v);
		sb_str(b, "\n");
		memcpy(out->message_id, v, strlen(v) + 1);
		out->added_msgid = 1;
	}
	/* With the null sender there is no address to put in From:. */
	if (submit_hdr_find(h, "From", 0) < 0 && in->sender[0] != '\0') {
		add_from(b, in);
		out->added_from = 1;
	}
}

int submit_rewrite(struct submit_hdrs *h, const struct submit_rewrite_in *in,
    struct submit_rewrite_out *out, struct op_err *e)
{
	struct sbuf b = { NULL, 0, 0, 0 };

	memset(out, 0, sizeof(*out));
	if (copy_value(h, "Subject", out->subject, sizeof(out->subject)) < 0 ||
	    copy_value(h, "Message-ID", out->message_id,
	    sizeof(out->message_id)) < 0)
		return op_errnof(e, OP_TEMP, "header value");
	copy_fields(h, &b, out);
	add_missing(h, in, &b, out);
	if (b.oom) {
		free(b.p);
		return op_errnof(e, OP_TEMP, "header rewrite");
	}
	if (b.p == NULL)
		b.p = calloc(1, 1);
	if (b.p == NULL)
		return op_errnof(e, OP_TEMP, "header rewrite");
	out->buf = b.p;
	out->len = b.len;
	return 0;
}

void submit_rewrite_free(struct submit_rewrite_out *out)
{
	free(out->buf);
	out->buf = NULL;
	out->len = 0;
}
