/*
 * `outpost doctor` / `outpost conf test`: check the set-up step by step
 * (config, secret file modes, spool and its corrupt/ entries, connect, TLS,
 * certificate, AUTH, MAIL FROM, QUIT) and say which step failed and why.  Never shows a secret; never
 * prints itself: each step goes to a caller's callback.
 */
#ifndef OUTPOST_DOCTOR_H
#define OUTPOST_DOCTOR_H

#include "conf/conf.h"
#include "relayd/smtp/smtp.h"
#include "util/status.h"

/* One step: name ("config", "TLS", ...), ok, and a printable detail. */
typedef void (*doctor_step_fn)(void *arg, const char *step, int ok,
    const char *detail);

/* The session part goes through these (tests replace them). */
struct doctor_ops {
	int (*open)(const struct conf *c, const char *password,
	    struct smtp_session **out, struct smtp_status *st);
	void (*info)(const struct smtp_session *s, struct smtp_info *info);
	void (*close)(struct smtp_session *s);
	/* MAIL FROM + RSET (smtp_probe_sender); NULL skips the step. */
	int (*probe)(struct smtp_session *s, const char *sender,
	    struct smtp_status *st);
	/* The lint policy check (lint_policy_build, set by the main; NULL
	 * skips the step): 0 with a summary in detail, or -1 with e. */
	int (*lint_policy)(const struct conf *c, char *detail, size_t len,
	    struct op_err *e);
};
extern const struct doctor_ops doctor_smtp_ops;

/* The session steps (doctor_net.c), after the local checks passed. */
enum op_status doctor_net(const struct conf *c, const char *password,
    const struct doctor_ops *ops, doctor_step_fn step, void *arg,
    struct op_err *e);

/* Run every step; stops at the first failure.  OP_OK when all passed,
 * else OP_CONFIG (config, secrets, certificate, AUTH) or OP_TEMP
 * (network), with *e naming the failed step.  account: check only that
 * account of the config (NULL: every one); a name the config does not
 * have is OP_USAGE (the message lists the accounts), a config without
 * sections OP_CONFIG. */
enum op_status doctor_run(const char *conf_path, const char *account,
    const struct doctor_ops *ops, doctor_step_fn step, void *arg,
    struct op_err *e);

#endif
