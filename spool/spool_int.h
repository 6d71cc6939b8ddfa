/*
 * Internals shared by the spool/ files only (not part of the interface):
 * the envelope key table, name building, tmp-file creation and the fault
 * hook.  Nothing here prints or exits (except the test-only crash hook).
 */
#ifndef OUTPOST_SPOOL_INT_H
#define OUTPOST_SPOOL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spool/spool.h"

/* "version: 1\nid: " always opens a formatted envelope, so the id value sits
 * at a fixed offset; commit rewrites it there after a link() collision. */
#define ENV_ID_OFF		15
#define SPOOL_NAME_MAX		64	/* longest file name we build */
#define SPOOL_LINK_TRIES	8	/* new ids tried when a name exists */

/* Value kinds of the envelope keys (one table drives format and parse). */
enum env_kind { EK_QID, EK_ADDR, EK_TEXT, EK_TOKEN, EK_TIME, EK_UINT,
	EK_BOOL };
/* Required keys appear exactly once; optional ones at most once and are
 * written only when set (ENV_OPT_SET: a non-empty text or token, a true
 * bool; ENV_OPT_SERIES: whenever the message is a series member). */
enum env_opt { ENV_REQ = 0, ENV_OPT_SET, ENV_OPT_SERIES };
struct env_key {
	const char *key;
	enum env_kind kind;
	size_t off, size;	/* field in struct envelope */
	const char *charset;	/* EK_TOKEN: allowed bytes */
	enum env_opt opt;	/* when the key may be left out */
};
extern const struct env_key env_keys[];
extern const size_t env_nkeys;

int env_key_omitted(const struct env_key *k, const struct envelope *env);
int env_keys_check(const struct envelope *env, uint32_t seen);

/* Value checks shared by format, parse and envelope_add_rcpt. */
int env_text_ok(const char *s, size_t len);
int env_token_ok(const char *s, size_t len, const char *charset);
/* envelope_add_rcpt() with a capacity the caller tracks (NULL = exact). */
int env_rcpt_append(struct envelope *env, const char *addr, size_t *cap,
    struct op_err *e);
const char *env_state_name(enum rcpt_state st);
int env_state_parse(const char *s, size_t len, enum rcpt_state *st);

/* "<id><suffix>" into out (SPOOL_NAME_MAX); -1 on a bad id or truncation. */
int spool_name(char out[SPOOL_NAME_MAX], const char *id, const char *suffix);

/* Test hook: -1 with errno set (or _exit(99)) when `step` is armed. */
int spool_fault_hit(const struct spool *sp, enum spool_step step);

/* Create tmp/<name> exclusively, flock()ed, with the create/lock race with
 * recovery closed (see spool_tmp.c).  Returns the fd or -1 with errno. */
int spool_tmp_create(struct spool *sp, char name[SPOOL_NAME_MAX]);

/* Unlink queue/<id>.msg then .env (missing is fine), no directory sync. */
int spool_unlink_msg(struct spool *sp, const char *id, struct op_err *e);

/* The removal worker of a journal (spool_reaper.c): put queues a
 * delivered message and its locked descriptor (unlinked, then closed, on
 * the worker; waits while REAPER_MAX are pending); kick starts the worker
 * on what is queued; drain waits until all are done (0, or -1 naming the
 * first that could not be removed); stop finishes the queue and ends the
 * thread. */
struct spool_reaper;
int spool_reaper_start(struct spool *sp, struct spool_reaper **r,
    struct op_err *e);
void spool_reaper_put(struct spool_reaper *r, const char *id, int fd);
void spool_reaper_kick(struct spool_reaper *r);
int spool_reaper_drain(struct spool_reaper *r, struct op_err *e);
void spool_reaper_stop(struct spool_reaper *r);

/* Count one message flagged "possibly delivered" and keep its id
 * (inline: both recovery files use it, neither owns it). */
static inline void spool_recovery_mark(struct spool_recovery *r,
    const char *id)
{
	if (r->in_flight_marked < SPOOL_RECOVER_IDS)
		snprintf(r->marked[r->in_flight_marked],
		    sizeof(r->marked[0]), "%s", id);
	r->in_flight_marked++;
}

/* Part of spool_recover(): every message a left-over journal leaves in
 * flight and still queued gets possibly-delivered; then the journal goes. */
int spool_journal_recover(struct spool *sp, struct spool_recovery *r,
    struct op_err *e);

/* Read and parse the envelope header that opens a .msg file.  *hdrlen is
 * the header size (where the message starts). */
int spool_read_header(int fd, const char *what, struct envelope *env,
    size_t *hdrlen, struct op_err *e);

/* For the mailq index: the .msg header of `id` parsed into *env, its raw
 * bytes (malloc'd, at least *hdrlen of them: the header comes first) and
 * the message size.  Nothing to free after -1. */
int spool_load_msg_hdr(struct spool *sp, const char *id,
    struct envelope *env, char **hdr, size_t *hdrlen, uint64_t *size,
    struct op_err *e);
/* queue/<id>.env, when there is one, replaces *env: 1 replaced, 0 none,
 * -1 unreadable (*env freed). */
int spool_load_env_over(struct spool *sp, const char *id,
    struct envelope *env, struct op_err *e);

#endif
