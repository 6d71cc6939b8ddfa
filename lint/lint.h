/*
 * The list-etiquette linter: a pure library.  It parses one RFC 5322 message
 * (libetpan), decodes it, classifies every body line and runs the rules.
 * No I/O, no exit, no printing: callers get findings and render them.
 * Rule ids are contract ids (docs/CONTRACTS.md): html, multipart,
 * attached-patch, disclaimer, top-post, untrimmed-quote, long-lines, private,
 * cc-trimmed, code-link, line-over-998, format-flowed-patch,
 * patch-corrupted, message-too-large, encrypted, ...; docs/LINT-RULES.md
 * says what each one checks.
 */
#ifndef OUTPOST_LINT_H
#define OUTPOST_LINT_H

#include <stddef.h>

enum lint_severity {
	LINT_OFF = 0, LINT_INFO = 1, LINT_WARNING = 2, LINT_ERROR = 3
};

struct lint_rule_info {
	const char *id;			/* contract id, e.g. "top-post" */
	enum lint_severity severity;	/* default */
	const char *summary;		/* one line: what is wrong */
	const char *explanation;	/* our words: why lists care, how to fix
					   (mutt, git send-email, Thunderbird,
					   Outlook, Gmail); wrapped at 72 */
	const char *letter;		/* paragraph for --form-letter, in the
					   second person, polite */
};

struct lint_finding {
	const char *rule;		/* static id from the rule table */
	const char *detail;		/* finer sub-id (e.g. "quote-tail") or NULL */
	enum lint_severity severity;	/* after policy overrides */
	unsigned line;			/* 1-based line in the input message, 0 = none */
	unsigned column;		/* 1-based character column in the decoded
					   line, 0 = none */
	/* In a base64 or quoted-printable part: line is the part's first
	 * body line and decoded_line the 1-based line in its decoded text;
	 * 0 when line is exact. */
	unsigned decoded_line;
	const char *encoding;		/* "base64", "quoted-printable" or NULL */
	/* Same problem as a stronger finding: its id, shown once under it
	 * (text output); NULL for findings of their own. */
	const char *folded_into;
	char message[320];		/* one line, specific ("line is 97 columns") */
};

/* Findings come sorted by line, decoded line, then column. */
struct lint_result {
	struct lint_finding *v;
	size_t n, cap;
	int truncated;			/* more findings than kept */
};

/* Context from the caller: policy and what the message alone cannot say. */
struct lint_ctx {
	/* per-rule severity overrides (LINT_OFF disables); ids as above */
	const char *const *override_ids;
	const enum lint_severity *override_sev;
	size_t noverrides;
	/* mailing-list address globs; NULL/0 = built-in default list */
	const char *const *lists;
	size_t nlists;
	/* the sender's own addresses (envelope sender, from config) */
	const char *const *own;
	size_t nown;
	/* envelope recipients (sendmail), used by private/encrypted;
	   NULL = take To/Cc from the headers */
	const char *const *rcpts;
	size_t nrcpts;
	/* the parent message for cc-trimmed (--parent), or NULL */
	const char *parent;
	size_t parent_len;
	/* message-too-large above this many bytes; 0 = LINT_MAX_SIZE */
	size_t max_size;
	/* each patch of a series is linted alone (git hook): series-level
	   findings only on the last patch, N/M with N == M */
	int series_once;
};

#define LINT_MAX_SIZE 100000		/* vger's old limit, the default */

/* Lint one message.  Returns 0 (findings in *out, possibly none) or -1 on
 * allocation failure.  The input need not be NUL-terminated.  Memory use is
 * bounded for any input size (huge parts are examined up to a cap). */
int lint_message(const char *msg, size_t len, const struct lint_ctx *ctx,
    struct lint_result *out);
void lint_result_free(struct lint_result *r);

/* Highest severity in r (LINT_OFF when no finding). */
enum lint_severity lint_result_max(const struct lint_result *r);

/* The rule table. */
size_t lint_rule_count(void);
const struct lint_rule_info *lint_rule_at(size_t i);
const struct lint_rule_info *lint_rule_find(const char *id);

const char *lint_severity_name(enum lint_severity s);
int lint_severity_parse(const char *s, enum lint_severity *out);

#endif
