/*
 * `outpost lint --form-letter`: a polite, ready-to-send reply to the author
 * of a received message, one paragraph per rule it broke (the letter texts
 * of the rule table).  Headers are read with libetpan; every value taken
 * from the message is made printable first.  It never sends anything.
 */
#include "lint/cli/lint_cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "util/printable.h"

#define HDR_PARSE_MAX	(256 * 1024)	/* header block examined at most */
#define VAL_MAX		1024
#define REFS_KEPT	20		/* last References ids carried on */

struct letter_hdr {
	char to[2 * VAL_MAX + 8];	/* "name <addr>" (name as found) */
	char name[VAL_MAX];		/* decoded display name, may be "" */
	char subject_raw[VAL_MAX];	/* as in the header (encoded words) */
	char subject[VAL_MAX];		/* decoded, for the greeting */
	char msgid[VAL_MAX];
	char refs[REFS_KEPT][VAL_MAX];
	size_t nrefs;
};

/* Length of the header block: up to the first empty line. */
static size_t header_len(const char *msg, size_t len)
{
	size_t i;

	if (len > HDR_PARSE_MAX)
		len = HDR_PARSE_MAX;
	for (i = 0; i + 1 < len; i++) {
		if (msg[i] != '\n')
			continue;
		if (msg[i + 1] == '\n')
			return i + 1;
		if (msg[i + 1] == '\r' && i + 2 < len && msg[i + 2] == '\n')
			return i + 1;
	}
	return len;
}

/* RFC 2047 words to UTF-8, shown safely; raw (printable) when undecodable. */
static void decode_words(char *dst, size_t dstlen, const char *raw)
{
	size_t idx = 0;
	char *dec = NULL;

	if (mailmime_encoded_phrase_parse("iso-8859-1", raw, strlen(raw), &idx,
	    "utf-8", &dec) == MAILIMF_NO_ERROR && dec != NULL) {
		printable(dst, dstlen, dec, strlen(dec));
		free(dec);
		return;
	}
	printable(dst, dstlen, raw, strlen(raw));
}

static void take_from(struct letter_hdr *h, const struct mailimf_from *fr)
{
	clistiter *it;
	char addr[VAL_MAX], rawname[VAL_MAX];

	if (fr == NULL || fr->frm_mb_list == NULL)
		return;
	it = clist_begin(fr->frm_mb_list->mb_list);
	if (it == NULL)
		return;
	const struct mailimf_mailbox *mb = clist_content(it);
	printable(addr, sizeof addr, mb->mb_addr_spec, strlen(mb->mb_addr_spec));
	if (mb->mb_display_name == NULL) {
		snprintf(h->to, sizeof h->to, "<%s>", addr);
		return;
	}
	decode_words(h->name, sizeof h->name, mb->mb_display_name);
	printable(rawname, sizeof rawname, mb->mb_display_name,
	    strlen(mb->mb_display_name));
	/* Quote the name unless it is already encoded words or a plain atom
	 * list; quotes and backslashes inside are replaced, not escaped. */
	if (strstr(rawname, "=?") == NULL &&
	    strpbrk(rawname, "()<>@,;:\\\".[]") != NULL) {
		char *p;

		for (p = rawname; *p != '\0'; p++)
			if (*p == '"' || *p == '\\')
				*p = '\'';
		snprintf(h->to, sizeof h->to, "\"%s\" <%s>", rawname, addr);
	} else {
		snprintf(h->to, sizeof h->to, "%s <%s>", rawname, addr);
	}
}

static void take_refs(struct letter_hdr *h, clist *ids)
{
	clistiter *it;
	size_t n = 0, skip;

	for (it = clist_begin(ids); it != NULL; it = clist_next(it))
		n++;
	skip = n > REFS_KEPT - 1 ? n - (REFS_KEPT - 1) : 0;
	for (it = clist_begin(ids); it != NULL; it = clist_next(it)) {
		const char *id = clist_content(it);

		if (skip > 0) {
			skip--;
			continue;
		}
		printable(h->refs[h->nrefs], VAL_MAX, id, strlen(id));
		h->nrefs++;
	}
}

static void take_field(struct letter_hdr *h, const struct mailimf_field *f)
{
	switch (f->fld_type) {
	case MAILIMF_FIELD_FROM:
		if (h->to[0] == '\0')
			take_from(h, f->fld_data.fld_from);
		break;
	case MAILIMF_FIELD_SUBJECT:
		printable(h->subject_raw, sizeof h->subject_raw,
		    f->fld_data.fld_subject->sbj_value,
		    strlen(f->fld_data.fld_subject->sbj_value));
		decode_words(h->subject, sizeof h->subject,
		    f->fld_data.fld_subject->sbj_value);
		break;
	case MAILIMF_FIELD_MESSAGE_ID:
		printable(h->msgid, sizeof h->msgid,
		    f->fld_data.fld_message_id->mid_value,
		    strlen(f->fld_data.fld_message_id->mid_value));
		break;
	case MAILIMF_FIELD_REFERENCES:
		if (h->nrefs == 0)
			take_refs(h, f->fld_data.fld_references->mid_list);
		break;
	default:
		break;
	}
}

static int parse_headers(const char *msg, size_t len, struct letter_hdr *h)
{
	struct mailimf_fields *fields = NULL;
	size_t idx = 0;
	clistiter *it;

	memset(h, 0, sizeof *h);
	if (mailimf_fields_parse(msg, header_len(msg, len), &idx,
	    &fields) != MAILIMF_NO_ERROR || fields == NULL)
		return 0;	/* no usable headers: a letter without To */
	for (it = clist_begin(fields->fld_list); it != NULL;
	    it = clist_next(it))
		take_field(h, clist_content(it));
	mailimf_fields_free(fields);
	return 0;
}

static int has_reply_prefix(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return strncasecmp(s, "re:", 3) == 0;
}

static void write_headers(FILE *out, const struct letter_hdr *h)
{
	size_t i;

	fprintf(out, "To: %s\n", h->to[0] ? h->to : "(author unknown)");
	fprintf(out, "Subject: %s%s\n", has_reply_prefix(h->subject_raw) ?
	    "" : "Re: ", h->subject_raw);
	if (h->msgid[0] != '\0')
		fprintf(out, "In-Reply-To: <%s>\n", h->msgid);
	if (h->nrefs > 0 || h->msgid[0] != '\0') {
		fputs("References:", out);
		for (i = 0; i < h->nrefs; i++)
			fprintf(out, "%s<%s>", i ? "\n " : " ", h->refs[i]);
		if (h->msgid[0] != '\0')
			fprintf(out, "%s<%s>", h->nrefs ? "\n " : " ",
			    h->msgid);
		fputc('\n', out);
	}
	fputs("MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n", out);
}

static void write_body(FILE *out, const struct letter_hdr *h,
    const unsigned char *fired)
{
	size_t i, n = lint_rule_count();

	if (h->name[0] != '\0')
		fprintf(out, "Hello %s,\n\n", h->name);
	else
		fputs("Hello,\n\n", out);
	fputs("thank you for your message. A few things about the way it was\n"
	    "sent make it harder for the people on the list to read it or act\n"
	    "on it, so here is a short note on each, to make the next one go\n"
	    "more smoothly:\n", out);
	for (i = 0; i < n && i < 64; i++)
		if (fired[i])
			fprintf(out, "\n%s\n", lint_rule_at(i)->letter);
	fputs("\nNone of this is about the content of your message, only about\n"
	    "its form. Thank you for understanding, and for taking part in the\n"
	    "discussion.\n\nBest regards\n", out);
}

int lint_cli_letter_write(FILE *out, const char *msg, size_t len,
    const struct lint_result *r, int mbox_sep)
{
	unsigned char fired[64];
	struct letter_hdr *h;
	size_t i, j, any = 0;

	memset(fired, 0, sizeof fired);
	for (i = 0; i < r->n; i++) {
		for (j = 0; j < lint_rule_count() && j < 64; j++) {
			if (r->v[i].severity > LINT_OFF &&
			    strcmp(lint_rule_at(j)->id, r->v[i].rule) == 0) {
				fired[j] = 1;
				any = 1;
			}
		}
	}
	if (!any)
		return 0;
	h = malloc(sizeof *h);	/* ~25 KB: keep it off the stack */
	if (h == NULL)
		return -1;
	parse_headers(msg, len, h);
	if (mbox_sep)
		fputs("From outpost-lint Thu Jan  1 00:00:00 1970\n", out);
	write_headers(out, h);
	write_body(out, h, fired);
	if (mbox_sep)
		fputc('\n', out);
	free(h);
	return ferror(out) ? -1 : 1;
}
