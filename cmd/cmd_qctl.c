/*
 * `outpost hold|release|requeue|delete ID...|--all [-y] [-C FILE]` (and
 * `requeue --account NAME`, checked against the config's accounts): argv,
 * config, the delete question on a terminal, then qctl_run() and one line
 * per message.  After a release or requeue the one-shot runner is started
 * (unless OUTPOST_NO_RUNNER=1) so the mail goes out now.  Exit 0 when every
 * message was handled; otherwise the code of the worst failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/deliver_exec.h"
#include "conf/conf.h"
#include "relayd/submit/qctl.h"
#include "relayd/submit/submit_log.h"
#include "util/log.h"
#include "spool/spool.h"
#include "util/printable.h"

struct qctl_args {
	struct qctl_req rq;
	const char *config;
	int yes;		/* -y: delete without asking */
	int quiet;		/* -q: no line per message */
};

static void usage(FILE *f, const char *verb)
{
	fprintf(f, "usage: outpost %s [-C config]%s%s%s ID... | --all\n",
	    verb, strcmp(verb, "delete") == 0 ? " [-y]" : "",
	    strcmp(verb, "hold") == 0 ? " [-m reason]" : "",
	    strcmp(verb, "requeue") == 0 ? " [--account NAME]" : "");
}

static int bad_arg(const char *verb, const char *a)
{
	char shown[48];

	printable(shown, sizeof(shown), a, strlen(a));
	fprintf(stderr, "outpost %s: unknown option \"%s\"\n", verb, shown);
	usage(stderr, verb);
	return EX_USAGE;
}

/* -1 = go on; otherwise the exit code. */
static int parse(int argc, char **argv, struct qctl_args *a)
{
	const char *verb = argv[0];
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--") == 0) {
			i++;
			break;
		} else if (strcmp(s, "--all") == 0) {
			a->rq.all = 1;
		} else if (strcmp(s, "-y") == 0 && a->rq.op == SPOOL_CTL_DELETE) {
			a->yes = 1;
		} else if (strcmp(s, "-q") == 0) {
			a->quiet = 1;
		} else if (strcmp(s, "-C") == 0 && i + 1 < argc) {
			a->config = argv[++i];
		} else if (strcmp(s, "-m") == 0 && i + 1 < argc &&
		    a->rq.op == SPOOL_CTL_HOLD) {
			a->rq.reason = argv[++i];
		} else if (strcmp(s, "--account") == 0 && i + 1 < argc &&
		    a->rq.op == SPOOL_CTL_REQUEUE) {
			a->rq.account = argv[++i];
		} else {
			return bad_arg(verb, s);
		}
	}
	a->rq.ids = (const char *const *)(argv + i);
	a->rq.nids = (size_t)(argc - i);
	if ((a->rq.nids == 0) == (a->rq.all == 0)) {
		fprintf(stderr, "outpost %s: give queue ids (see `outpost "
		    "mailq`) or --all, not both\n", verb);
		usage(stderr, verb);
		return EX_USAGE;
	}
	return -1;
}

/* delete on a terminal asks first; anything but y/yes keeps the mail. */
static int confirmed(const struct qctl_args *a)
{
	char line[16];
	size_t n;

	if (a->rq.op != SPOOL_CTL_DELETE || a->yes || !isatty(STDIN_FILENO))
		return 1;
	if (a->rq.all)
		fputs("outpost delete: remove ALL queued messages for good? "
		    "[y/N] ", stderr);
	else
		fprintf(stderr, "outpost delete: remove %zu message(s) from "
		    "the queue for good? [y/N] ", a->rq.nids);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	n = strcspn(line, "\n");
	line[n] = '\0';
	return strcmp(line, "y") == 0 || strcmp(line, "yes") == 0;
}

/* requeue --account: the move is logged with both names. */
static void moved(const struct qctl_args *a, const char *id,
    const struct qctl_item *it)
{
	const char *to = a->rq.account, *was = it->was[0] ? it->was : "(none)";

	if (it->changed && strcmp(it->was, to) != 0)
		log_event(id, "moved from account %s to account %s and "
		    "requeued (outpost requeue --account)", was, to);
	else if (it->changed)
		log_event(id, "requeued (outpost requeue --account %s)", to);
	if (a->quiet)
		return;
	if (!it->changed)
		printf("%s: unchanged (already account %s)\n", id, to);
	else if (strcmp(it->was, to) != 0)
		printf("%s: requeued to account %s (was %s)\n", id, to, was);
	else
		printf("%s: requeued (account %s)\n", id, to);
}

static void each(void *arg, const struct qctl_item *it)
{
	const struct qctl_args *a = arg;
	char id[48], why[OP_ERR_MAX];

	printable(id, sizeof(id), it->id, strlen(it->id));
	if (it->e != NULL) {
		printable(why, sizeof(why), it->e->msg, strlen(it->e->msg));
		fprintf(stderr, "outpost %s: %s%s%s: %s\n",
		    qctl_verb(a->rq.op), it->id_ok ? "" : "\"", id,
		    it->id_ok ? "" : "\"", why);
		return;
	}
	if (it->was != NULL) {
		moved(a, id, it);
		return;
	}
	if (it->changed)
		log_event(id, "%s (outpost %s)", qctl_done(a->rq.op),
		    qctl_verb(a->rq.op));
	if (!a->quiet)
		printf("%s: %s\n", id, it->changed ? qctl_done(a->rq.op) :
		    "unchanged (already so)");
}

static int run(struct qctl_args *a, const struct conf *c)
{
	struct spool sp;
	struct qctl_sum sum;
	struct log_file lf;
	struct op_err e;
	const char *v;
	int rc;

	op_err_clear(&e);
	submit_log_open(&lf, c);
	rc = spool_open(&sp, c->spool, &e) < 0 ||
	    qctl_run(&sp, &a->rq, each, a, &sum, &e) < 0 ? -1 : 0;
	submit_log_close(&lf);
	if (rc < 0) {
		fprintf(stderr, "outpost %s: %s\n", qctl_verb(a->rq.op), e.msg);
		return op_exitcode(e.st);
	}
	spool_close(&sp);
	if (a->rq.all && !a->quiet && sum.changed + sum.unchanged +
	    sum.failed == 0)
		printf("Mail queue is empty\n");
	v = getenv("OUTPOST_NO_RUNNER");
	if (sum.changed > 0 && (a->rq.op == SPOOL_CTL_RELEASE ||
	    a->rq.op == SPOOL_CTL_REQUEUE) &&
	    (v == NULL || v[0] == '\0' || strcmp(v, "0") == 0))
		deliver_exec_poke(a->config);
	return sum.failed > 0 ? op_exitcode(sum.worst) : EX_OK;
}

/* requeue --account NAME: NAME must be an account of the config.  -1 =
 * go on; otherwise the exit code (64 unknown name, 78 no accounts). */
static int account_ok(const struct qctl_args *a, const struct conf *c)
{
	char list[512], name[SPOOL_ACCOUNT_MAX + 8];
	const char *path = c->path[0] ? c->path : "the config";

	if (c->naccounts == 0) {
		fprintf(stderr, "outpost requeue: %s has no `account` sections, "
		    "so there is no account to move mail to; add one (see "
		    "docs/CONFIG.md) or run outpost requeue without --account"
		    "\n", path);
		return EX_CONFIG;
	}
	if (conf_account_find(c, a->rq.account) >= 0)
		return -1;
	printable(name, sizeof(name), a->rq.account, strlen(a->rq.account));
	conf_account_list(c, list, sizeof(list));
	fprintf(stderr, "outpost requeue: no account \"%s\" in %s; the "
	    "configured accounts are: %s\n", name, path, list);
	return EX_USAGE;
}

static int cmd_qctl(int argc, char **argv, enum spool_ctl op)
{
	struct qctl_args a;
	struct conf *c;
	struct op_err e;
	int r;

	memset(&a, 0, sizeof(a));
	a.rq.op = op;
	r = parse(argc, argv, &a);
	if (r >= 0)
		return r;
	if (!confirmed(&a)) {
		fprintf(stderr, "outpost delete: nothing deleted\n");
		return EX_TEMPFAIL;
	}
	c = malloc(sizeof(*c));
	if (c == NULL)
		return EX_TEMPFAIL;
	op_err_clear(&e);
	if (conf_load(a.config, c, &e) < 0) {
		fprintf(stderr, "outpost %s: %s\n", qctl_verb(op), e.msg);
		free(c);
		return op_exitcode(e.st);
	}
	r = a.rq.account != NULL ? account_ok(&a, c) : -1;
	if (r < 0)
		r = run(&a, c);
	conf_free(c);
	free(c);
	return r;
}

int cmd_hold(int argc, char **argv)
{
	return cmd_qctl(argc, argv, SPOOL_CTL_HOLD);
}

int cmd_release(int argc, char **argv)
{
	return cmd_qctl(argc, argv, SPOOL_CTL_RELEASE);
}

int cmd_requeue(int argc, char **argv)
{
	return cmd_qctl(argc, argv, SPOOL_CTL_REQUEUE);
}

int cmd_delete(int argc, char **argv)
{
	return cmd_qctl(argc, argv, SPOOL_CTL_DELETE);
}
