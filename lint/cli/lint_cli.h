/*
 * The I/O side of `outpost lint`: where messages come from (a file, stdin,
 * an mbox, a Maildir) and how findings are shown (text, JSON, a form letter,
 * the report printed by the sendmail gate).  The linting itself is in
 * lint/lint.h; nothing here decides what is wrong with a message.
 */
#ifndef OUTPOST_LINT_CLI_H
#define OUTPOST_LINT_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "lint/lint.h"
#include "util/status.h"

/* Largest input accepted on stdin (it is copied to an unlinked temporary
 * file and mapped from there, never held in memory). */
#define LINT_CLI_STDIN_MAX	((size_t)1024 * 1024 * 1024)
/* Largest patch (--git-hook) or parent (--parent) file: these are read
 * into memory, so they count against the memory bound of docs/LINT.md. */
#define LINT_CLI_FILE_MAX	((size_t)16 * 1024 * 1024)
/* Largest headers file accepted in --git-hook mode. */
#define LINT_CLI_HEADERS_MAX	((size_t)1024 * 1024)

/* One message handed to the caller.  data/len exclude any mbox "From "
 * separator line; line_base is the number of lines of the file before
 * data[0], so file:(line_base + finding line) points into the file. */
struct lint_cli_msg {
	const char *data;
	size_t len;
	const char *file;	/* path as shown ("<stdin>" for "-") */
	unsigned line_base;
	unsigned index;		/* 1-based position in an mbox/Maildir */
	int in_container;	/* part of an mbox or a Maildir */
};

/* Called once per message; return 0 to go on, -1 (with e filled) to stop. */
typedef int (*lint_cli_msg_fn)(const struct lint_cli_msg *m, void *arg,
    struct op_err *e);

/* Feed every message of `path` to fn: "-" is stdin (at most
 * LINT_CLI_STDIN_MAX bytes), a directory must be a Maildir (cur/ and new/,
 * files of both in name order), a regular file is one message (a git
 * format-patch file too) unless it is an mbox of several messages (">From "
 * lines are unescaped).  FIFOs, devices and sockets are refused (never
 * waited on).  Memory stays bounded: files are mapped and pages already
 * linted are released.  -1 with e on I/O errors (OP_NOINPUT, OP_DATA). */
int lint_cli_input_each(const char *path, lint_cli_msg_fn fn, void *arg,
    struct op_err *e);

/* Open path for reading when it is a regular file; anything else (a FIFO,
 * a device, a socket) is refused without blocking.  Returns the fd or -1
 * with e filled (OP_NOINPUT); label is the name shown in the error. */
int lint_cli_input_open(const char *path, const char *label,
    struct op_err *e);

/* Read at most max bytes of fd into a malloc'd buffer (EFBIG beyond). */
int lint_cli_input_slurp(int fd, size_t max, char **out, size_t *outlen,
    struct op_err *e);

enum lint_cli_format { LINT_CLI_TEXT = 0, LINT_CLI_JSON, LINT_CLI_LETTER };

/* Rendering state across messages: which rules fired (for the explanations
 * printed once at the end) and counts. */
struct lint_cli_out {
	FILE *f;
	enum lint_cli_format format;
	int color;			/* ANSI colour (text on a tty only) */
	int multi;			/* several messages: mbox-separate letters */
	unsigned char seen[64];		/* by rule table index */
	size_t nfindings, nerrors, nletters;
};

void lint_cli_render_init(struct lint_cli_out *o, FILE *f,
    enum lint_cli_format format, int color);
/* Whether colour should be used on fd: a tty and NO_COLOR unset. */
int lint_cli_render_want_color(int fd);
/* Print the findings of one message (text or JSON lines; for LETTER the
 * reply via lint_cli_letter_write).  -1 on output errors. */
int lint_cli_render_msg(struct lint_cli_out *o, const struct lint_cli_msg *m,
    const struct lint_result *r);
/* Text format: the explanation of every rule that fired, once each. */
int lint_cli_render_finish(struct lint_cli_out *o);

/* For the sendmail gate: every finding of r as a text line prefixed with
 * label, then (explain != 0) the explanation of each rule that fired. */
void lint_cli_print_report(FILE *out, const char *label,
    const struct lint_result *r, int explain);

/* Write a polite reply to the author of msg explaining each rule with a
 * finding in r.  Returns 1 when a letter was written, 0 when r has no
 * finding (nothing written), -1 on errors.  mbox_sep: start with an mbox
 * "From " line so several letters can be split again. */
int lint_cli_letter_write(FILE *out, const char *msg, size_t len,
    const struct lint_result *r, int mbox_sep);

/* --git-hook: build the message git send-email will send from the patch
 * file and the optional headers file (newer git passes it as $2: the mail
 * is its headers followed by the patch).  *has_rcpts tells whether To or Cc
 * is known, so recipient rules can be turned off when it is not.
 * *shift: lines of the patch file before the message (its "From <sha>"
 * line), to add to finding lines; 0 when a headers file was merged. */
int lint_cli_hook_message(const char *patch, const char *headers,
    char **out, size_t *outlen, int *has_rcpts, unsigned *shift,
    struct op_err *e);

#endif
