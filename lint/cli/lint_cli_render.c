/*
 * Rendering of findings: `file:line:col: severity: rule: message` lines and
 * the explanations, JSON lines, and the report the sendmail gate prints.
 * Every piece of message-derived text goes through printable()/json_quote();
 * this file never decides what a finding is.
 */
#include "lint/cli/lint_cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/printable.h"

#define PATH_SHOWN_MAX	1024
#define JSON_FIELD_MAX	2048
#define JSON_PATH_MAX	(PATH_SHOWN_MAX * 6 + 8)	/* all \uXXXX */

static const char *const sev_color[] = {
	"", "\033[36m", "\033[33m", "\033[1;31m"	/* off info warning error */
};

void lint_cli_render_init(struct lint_cli_out *o, FILE *f,
    enum lint_cli_format format, int color)
{
	memset(o, 0, sizeof *o);
	o->f = f;
	o->format = format;
	o->color = color && format == LINT_CLI_TEXT;
}

int lint_cli_render_want_color(int fd)
{
	const char *nc = getenv("NO_COLOR");

	/* https://no-color.org: any non-empty NO_COLOR turns colour off. */
	if (nc != NULL && nc[0] != '\0')
		return 0;
	return isatty(fd);
}

/* The line a finding points to in the file: message lines are shifted by
 * what precedes the message; a finding not tied to a line in a container
 * points at the message's first line so the reader knows which one. */
static unsigned shown_line(const struct lint_cli_msg *m,
    const struct lint_finding *f)
{
	if (f->line != 0)
		return m->line_base + f->line;
	return m->in_container && m->line_base > 0 ? m->line_base + 1 : 0;
}

static void mark_seen(unsigned char *seen, const char *rule)
{
	size_t i, n = lint_rule_count();

	for (i = 0; i < n && i < 64; i++)
		if (strcmp(lint_rule_at(i)->id, rule) == 0)
			seen[i] = 1;
}

/* " (decoded base64 line 12)" and " (also: untrimmed-quote)" suffixes. */
static void text_suffix(char *out, size_t n, const struct lint_result *r,
    const struct lint_finding *f)
{
	size_t o = 0;

	out[0] = '\0';
	if (f->decoded_line != 0 && f->encoding != NULL)
		o += (size_t)snprintf(out, n, " (decoded %s line %u)",
		    f->encoding, f->decoded_line);
	for (size_t i = 0; r != NULL && i < r->n && o < n; i++)
		if (r->v[i].folded_into == f->rule &&
		    (r->v[i].line == f->line || r->v[i].line == 0 ||
		    f->line == 0))
			o += (size_t)snprintf(out + o, n - o, " (also: %s)",
			    r->v[i].rule);
}

static void text_line(FILE *out, int color, const char *file, unsigned line,
    const struct lint_result *r, const struct lint_finding *f)
{
	char msg[sizeof f->message * 2], det[128], suf[160];
	unsigned s = (unsigned)f->severity < 4 ? (unsigned)f->severity : 0;

	if (f->folded_into != NULL)
		return;			/* shown with the stronger finding */
	printable(msg, sizeof msg, f->message, strnlen(f->message,
	    sizeof f->message));
	det[0] = '\0';
	if (f->detail != NULL) {
		char d[96];

		printable(d, sizeof d, f->detail, strlen(f->detail));
		snprintf(det, sizeof det, " [%s]", d);
	}
	text_suffix(suf, sizeof suf, r, f);
	fprintf(out, "%s:%u:%u: %s%s%s: %s: %s%s%s\n", file, line, f->column,
	    color ? sev_color[s] : "", lint_severity_name(f->severity),
	    color ? "\033[0m" : "", f->rule, msg, det, suf);
}

static void explain_seen(FILE *out, int color, const unsigned char *seen)
{
	size_t i, n = lint_rule_count();

	for (i = 0; i < n && i < 64; i++) {
		const struct lint_rule_info *ri = lint_rule_at(i);

		if (!seen[i])
			continue;
		fprintf(out, "\n%s%s%s: %s\n%s\n", color ? "\033[1m" : "",
		    ri->id, color ? "\033[0m" : "", ri->summary,
		    ri->explanation);
	}
}

void lint_cli_print_report(FILE *out, const char *label,
    const struct lint_result *r, int explain)
{
	char lab[PATH_SHOWN_MAX];
	unsigned char seen[64];
	size_t i;

	memset(seen, 0, sizeof seen);
	printable(lab, sizeof lab, label ? label : "message",
	    strlen(label ? label : "message"));
	for (i = 0; i < r->n; i++) {
		text_line(out, 0, lab, r->v[i].line, r, &r->v[i]);
		mark_seen(seen, r->v[i].rule);
	}
	if (r->truncated)
		fprintf(out, "%s: more findings were left out\n", lab);
	if (explain)
		explain_seen(out, 0, seen);
}

/* One JSON object per finding: exactly the contract keys, plus "detail". */
static int json_line(FILE *out, const char *file, size_t filelen,
    unsigned line, const struct lint_finding *f)
{
	char qf[JSON_PATH_MAX], qm[JSON_FIELD_MAX], qd[256];

	if (json_quote(qf, sizeof qf, file, filelen) < 0 ||
	    json_quote(qm, sizeof qm, f->message,
	    strnlen(f->message, sizeof f->message)) < 0)
		return -1;
	fprintf(out, "{\"file\":%s,\"rule\":\"%s\",\"severity\":\"%s\","
	    "\"line\":%u,\"column\":%u,\"message\":%s", qf, f->rule,
	    lint_severity_name(f->severity), line, f->column, qm);
	if (f->detail != NULL &&
	    json_quote(qd, sizeof qd, f->detail, strlen(f->detail)) >= 0)
		fprintf(out, ",\"detail\":%s", qd);
	if (f->decoded_line != 0 && f->encoding != NULL)
		fprintf(out, ",\"decoded_line\":%u,\"encoding\":\"%s\"",
		    f->decoded_line, f->encoding);
	if (f->folded_into != NULL)
		fprintf(out, ",\"folded_into\":\"%s\"", f->folded_into);
	fputs("}\n", out);
	return 0;
}

static int render_lines(struct lint_cli_out *o, const struct lint_cli_msg *m,
    const struct lint_result *r)
{
	char file[PATH_SHOWN_MAX];
	size_t i, flen = strlen(m->file);

	if (flen >= sizeof file)
		flen = sizeof file - 1;
	printable(file, sizeof file, m->file, strlen(m->file));
	for (i = 0; i < r->n; i++) {
		const struct lint_finding *f = &r->v[i];

		if (o->format == LINT_CLI_JSON) {
			if (json_line(o->f, m->file, flen, shown_line(m, f),
			    f) < 0)
				return -1;
		} else {
			text_line(o->f, o->color, file, shown_line(m, f), r, f);
		}
	}
	if (r->truncated && o->format == LINT_CLI_TEXT)
		fprintf(o->f, "%s: more findings were left out\n", file);
	return 0;
}

int lint_cli_render_msg(struct lint_cli_out *o, const struct lint_cli_msg *m,
    const struct lint_result *r)
{
	size_t i;
	int rc;

	for (i = 0; i < r->n; i++) {
		mark_seen(o->seen, r->v[i].rule);
		if (r->v[i].severity >= LINT_ERROR)
			o->nerrors++;
	}
	o->nfindings += r->n;
	if (o->format != LINT_CLI_LETTER)
		return render_lines(o, m, r);
	rc = lint_cli_letter_write(o->f, m->data, m->len, r, o->multi);
	if (rc > 0)
		o->nletters++;
	return rc < 0 ? -1 : 0;
}

int lint_cli_render_finish(struct lint_cli_out *o)
{
	if (o->format == LINT_CLI_TEXT)
		explain_seen(o->f, o->color, o->seen);
	if (fflush(o->f) != 0 || ferror(o->f))
		return -1;
	return 0;
}
