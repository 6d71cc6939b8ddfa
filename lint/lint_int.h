/*
 * Internal model of the linter: the MIME part list, the decoded body text
 * split into classified lines, and the helpers the rule files share.
 * Nothing here does I/O; every array has a fixed cap (see the LINT_MAX_*).
 */
#ifndef OUTPOST_LINT_INT_H
#define OUTPOST_LINT_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lint/lint.h"

#define LINT_MAX_PARTS 64		/* MIME parts recorded */
#define LINT_MAX_DEPTH 24		/* MIME nesting followed */
#define LINT_MAX_BOUNDARIES 200		/* more: the tree is not parsed */
#define LINT_MAX_DELIMS 1000		/* delimiter-like lines: the same */
#define LINT_MAX_HDR_BYTES (256u << 10)	/* header bytes libetpan may parse */
#define LINT_MAX_LINES 200000		/* body lines examined */
#define LINT_MAX_DECODED (8u << 20)	/* decoded body bytes examined */
#define LINT_MAX_INPUT (8u << 20)	/* message bytes parsed (the rest is
					   only counted, for message-too-large) */
#define LINT_MAX_FINDINGS 256
#define LINT_S(n) ((n) == 1 ? "" : "s")	/* "1 line", "2 lines" */
#define LINT_MAX_PER_RULE 20		/* same rule reported at most this often */

enum lint_cte {
	LINT_CTE_7BIT, LINT_CTE_8BIT, LINT_CTE_BINARY, LINT_CTE_QP,
	LINT_CTE_B64, LINT_CTE_OTHER
};

struct lint_part {
	char type[64];			/* "text/plain", lower case */
	char filename[128];		/* disposition filename or type name= */
	char charset[40];		/* lower case, "" when absent */
	char protocol[64];		/* multipart/signed protocol, lower case */
	int attachment;			/* Content-Disposition: attachment */
	int cte;			/* enum lint_cte */
	int flowed, delsp;
	int depth;			/* 0 = top level */
	int parent;			/* index or -1 */
	int leaf;			/* not multipart */
	int in_message;			/* inside an attached message/rfc822 */
	const char *body;		/* wire body, points into the input */
	size_t body_len;
	unsigned line;			/* input line of the first body line */
};

/* Line classes (docs/LINT-RULES.md), among them 'O' old text quoted
 * without '>' (Outlook), 'X' forwarded content, 'L' list-added footer. */
enum {
	LC_P = 'P', LC_D = 'D', LC_Q = 'Q', LC_A = 'A', LC_F = 'F',
	LC_S = 'S', LC_E = 'E', LC_T = 'T', LC_O = 'O', LC_X = 'X',
	LC_L = 'L'
};

enum {
	LF_TAG = 1 << 0,		/* trailer such as Signed-off-by: */
	LF_CR = 1 << 1,			/* had a CR inside the line */
	LF_DISCL = 1 << 2,		/* part of a detected disclaimer */
	LF_LOG = 1 << 3,		/* commit log of a patch mail */
	LF_CORRUPT = 1 << 4,		/* broken line inside a hunk */
	LF_OUTLOOK = 1 << 5,		/* attribution of Outlook style */
	LF_LOGOUT = 1 << 6,		/* in a paragraph of pasted output */
	LF_OWNTAIL = 1 << 7,		/* last paragraph, below an unmarked
					   original: the sender's footer */
	LF_CITED = 1 << 8,		/* indented block cited after "...:" */
	LF_REWRAP = 1 << 9		/* unquoted fragment read as a re-wrapped
					   quote tail (could be a short answer) */
};

struct lint_line {
	uint32_t off, len;		/* into lint_text.buf, without EOL */
	uint32_t lineno;		/* 1-based input line */
	uint8_t cls;
	uint8_t depth;			/* quote depth */
	uint16_t flags;
};

/* Set in lint_line.lineno for lines of a base64/QP part: the rest is the
 * 1-based decoded line; lint_emit() turns it into decoded_line. */
#define LINT_LINE_DECODED 0x80000000u

struct lint_text {
	unsigned part_line;		/* first body line of the part */
	int cte;			/* its transfer encoding */
	char *buf;
	size_t len, cap;
	struct lint_line *v;
	size_t n, cap_lines;
	uint32_t *map;			/* decoded line -> wire line (QP) */
	size_t nmap, cap_map;
	int truncated;
	int charset_unknown;
	int has_cr;			/* CR inside some line */
};

struct lint_msg {
	const char *raw;		/* message after an mbox From_ line */
	size_t raw_len;
	size_t full_len;		/* as given, for message-too-large */
	unsigned line_base;		/* input line number of raw[0] */
	size_t hdr_len;			/* header block incl. blank line */
	struct lint_part parts[LINT_MAX_PARTS];
	size_t nparts;
	int parts_truncated;
	int body;			/* index of the body part or -1 */
	int html;			/* text reduced from text/html (no body) */
	struct lint_text text;		/* decoded body part */
	int has_patch;			/* any P line */
	int patch_mail;			/* [PATCH in subject or P lines */
	int encrypted;			/* encrypted part or PGP message */
	const struct lint_ctx *ctx;
	struct lint_result *out;
	int oom;
	/* line-number cursor of lint_mime.c */
	size_t cur_off;
	unsigned cur_line;
};

/* lint_emit.c; lint_emit_finish() folds and sorts, once at the end */
void lint_emit_finish(struct lint_result *r);
void lint_emit(struct lint_msg *m, const char *rule, const char *detail,
    enum lint_severity builtin, int fixed, unsigned line, unsigned col,
    const char *fmt, ...) __attribute__((format(printf, 8, 9)));
int lint_msg_rule_on(const struct lint_msg *m, const char *rule);

/* lint_mime.c */
void lint_mime_walk(struct lint_msg *m);
int lint_mime_is_html(const char *type);

/* lint_shape.c: may libetpan parse this without exceeding the bound? */
int lint_shape_parsable(const char *s, size_t len);

/* lint_addr.c: a set of lower-case addr-specs */
struct lint_addrs {
	char **v;
	size_t n, cap;
	int uncertain;			/* some field could not be parsed */
};
int lint_addr_add(struct lint_addrs *a, const char *s, size_t n);
int lint_addr_parse(struct lint_addrs *a, const char *v, size_t n);
int lint_addr_from_header(struct lint_addrs *a, const char *h, size_t hl,
    const char *name);
void lint_addr_finish(struct lint_addrs *a);	/* sort, drop duplicates */
int lint_addr_has(const struct lint_addrs *a, const char *s);
void lint_addr_free(struct lint_addrs *a);

/* lint_hdr.c */
size_t lint_hdr_end(const char *s, size_t len);
size_t lint_hdr_get(const char *h, size_t hlen, const char *name,
    char *dst, size_t dstlen);

/* lint_decode.c */
int lint_decode_qp(const char *in, size_t n, struct lint_text *t);
int lint_decode_b64(const char *in, size_t n, struct lint_text *t);
int lint_text_put(struct lint_text *t, const char *s, size_t n);

/* lint_charset.c */
int lint_charset_is_utf8ish(const char *cs);
int lint_charset_to_utf8(struct lint_text *t, const char *cs);

/* lint_lines.c */
int lint_lines_load(struct lint_msg *m, const struct lint_part *p,
    struct lint_text *t);
void lint_text_free(struct lint_text *t);
int lint_lines_load_html(const struct lint_part *p, struct lint_text *t);

/* lint_html.c */
int lint_html_to_text(const char *s, size_t n, struct lint_text *out);
static inline const char *lint_line_ptr(const struct lint_text *t, size_t i)
{
	return t->buf + t->v[i].off;
}

/* lint_classify.c */
void lint_classify(struct lint_msg *m, struct lint_text *t);

/* lint_quote.c: the quote model, in the order lint_classify runs it */
void lint_quote_markers(struct lint_text *t);
void lint_quote_reply(struct lint_text *t, int patch);
void lint_quote_cited(struct lint_text *t);

/* lint_attrib.c */
int lint_attrib_line(const char *s, size_t n);
int lint_attrib_wrote_tail(const char *s, size_t n);
size_t lint_attrib_outlook(const struct lint_text *t, size_t i);
size_t lint_attrib_hdr_pair(const struct lint_text *t, size_t i);
int lint_attrib_forward(const char *s, size_t n);
int lint_attrib_original(const char *s, size_t n);

/* lint_footer.c */
void lint_footer_mark(struct lint_text *t);

/* lint_width.c */
unsigned lint_width(const char *s, size_t n);
unsigned lint_width_cp(uint32_t cp);
unsigned lint_width_col(const char *s, size_t n, unsigned limit);

/* lint_log.c */
int lint_log_line(const char *s, size_t n);
void lint_log_mark(struct lint_text *t);

/* lint_str.c */
int lint_str_prefix(const char *s, size_t n, const char *pfx);
int lint_str_iprefix(const char *s, size_t n, const char *pfx);
const char *lint_str_find(const char *s, size_t n, const char *needle);
const char *lint_str_ifind(const char *s, size_t n, const char *needle);
size_t lint_str_rtrim(const char *s, size_t n);
int lint_str_blank(const char *s, size_t n);
int lint_str_isuffix(const char *s, size_t n, const char *sfx);

/* rules */
void rule_mime_run(struct lint_msg *m);
void rule_mime_charset(struct lint_msg *m);
void rule_disclaimer_run(struct lint_msg *m);
void rule_quote_run(struct lint_msg *m);
void rule_lines_run(struct lint_msg *m);
void rule_lines_wire(struct lint_msg *m);
void rule_recipients_run(struct lint_msg *m);
void rule_links_run(struct lint_msg *m);

#endif
