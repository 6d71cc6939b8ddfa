/*
 * mailq text form, in the shape Postfix users know: a title line, one line
 * per message (id, size, arrival, sender), then indented details and, per
 * recipient still queued, why it is still there.  Every envelope string is
 * already printable in the spool but goes through printable() again here:
 * the terminal must never see a control byte from a message.
 */
#include "relayd/submit/mailq.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "util/printable.h"

#define IND "        "	/* detail indentation */
#define RCPT_COL 43		/* recipients line up under the sender */

static void show_time(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(out, outlen, "%a %b %d %H:%M:%S", &tm) == 0)
		snprintf(out, outlen, "-");
}

static void safe(char *dst, size_t dstlen, const char *src)
{
	printable(dst, dstlen, src, strlen(src));
}

void mailq_text_header(FILE *out)
{
	fprintf(out, "%-20s %8s %-20s  %s\n", "-Queue ID-", "--Size--",
	    "----Arrival Time----", "-Sender/Recipient-------");
}

static void show_hold(FILE *out, const struct mailq_hold *h)
{
	char why[SPOOL_REASON_MAX];

	if (h->n != 0)
		fprintf(out, IND "Series: patch %u of %u\n", h->k, h->n);
	if (h->state == NULL)
		return;
	safe(why, sizeof(why), h->reason);
	fprintf(out, IND "%s: %s\n", strcmp(h->state, "held") == 0 ?
	    "HELD" : "Waiting", why);
}

static void show_details(FILE *out, const struct envelope *env)
{
	char buf[SPOOL_HDR_MAX], t1[40], t2[40];

	safe(buf, sizeof(buf), env->subject);
	fprintf(out, IND "Subject: %s\n", buf);
	safe(buf, sizeof(buf), env->message_id);
	fprintf(out, IND "Message-ID: %s\n", buf);
	if (env->account[0] != '\0') {
		safe(buf, sizeof(buf), env->account);
		fprintf(out, IND "Account: %s\n", buf);
	}
	if (env->attempts > 0 || mailq_next_attempt(env) > 0) {
		show_time(env->last_try, t1, sizeof(t1));
		show_time(mailq_next_attempt(env), t2, sizeof(t2));
		fprintf(out, IND "Attempts: %u, last: %s, next: %s\n",
		    env->attempts, t1, t2);
	}
	if (env->in_flight)
		fprintf(out, IND "In flight: the end of the message was being "
		    "sent (if no runner is active, it may have arrived)\n");
	if (env->possibly_delivered)
		fprintf(out, IND "Possibly delivered: the connection was lost "
		    "after the message was sent; it may arrive twice\n");
	if (env->failed != 0) {
		show_time(env->failed, t1, sizeof(t1));
		fprintf(out, IND "FAILED since %s: kept with its full text; "
		    "'outpost requeue %s' tries again, 'outpost delete %s' "
		    "removes it\n", t1, env->id, env->id);
	}
}

static void show_rcpt(FILE *out, const struct env_rcpt *r)
{
	char addr[SPOOL_ADDR_MAX], why[SPOOL_REASON_MAX];

	if (r->state == RCPT_DELIVERED)
		return;
	safe(addr, sizeof(addr), r->addr);
	safe(why, sizeof(why), r->reason);
	if (r->state != RCPT_PENDING || why[0] != '\0')
		fprintf(out, IND "(%s%s%s)\n", mailq_state_name(r->state),
		    why[0] != '\0' ? ": " : "", why);
	fprintf(out, "%*s%s\n", RCPT_COL, "", addr);
}

void mailq_text_msg(FILE *out, const struct envelope *env,
    const struct mailq_hold *h)
{
	char sender[SPOOL_ADDR_MAX], id[SPOOL_QID_LEN + 1], when[40];
	size_t i;

	safe(id, sizeof(id), env->id);
	safe(sender, sizeof(sender), env->sender);
	show_time(env->arrival, when, sizeof(when));
	fprintf(out, "%-20s %8" PRIu64 " %-20s  %s\n", id, env->size, when,
	    sender[0] != '\0' ? sender : "<>");
	show_details(out, env);
	show_hold(out, h);
	for (i = 0; i < env->nrcpt; i++)
		show_rcpt(out, &env->rcpt[i]);
	fputc('\n', out);
}

void mailq_text_footer(FILE *out, uint64_t bytes, size_t n)
{
	if (n == 0) {
		fprintf(out, "Mail queue is empty\n");
		return;
	}
	fprintf(out, "-- %" PRIu64 " Kbytes in %zu Request%s.\n",
	    (bytes + 1023) / 1024, n, n == 1 ? "" : "s");
}
