/*
 * MIME structure rules: html (an HTML/enriched/TNEF part that is not just
 * an attached file), multipart (any top-level multipart type; signed
 * mail only as a warning), attached-patch, encrypted parts, charset.
 * Reads the part list only; decodes at most a small prefix of a part.
 */
#include "lint/lint_int.h"
#include "util/printable.h"

#include <string.h>
#include "util/ascii8.h"

#define SNIFF_BYTES 65536

static int is_type(const struct lint_part *p, const char *t)
{
	return strcmp(p->type, t) == 0;
}

static int is_multipart(const struct lint_part *p)
{
	return strncmp(p->type, "multipart/", 10) == 0;
}

static void rule_html(struct lint_msg *m)
{
	for (size_t i = 0; i < m->nparts; i++) {
		const struct lint_part *p = &m->parts[i];

		if (!p->leaf || p->in_message || !lint_mime_is_html(p->type))
			continue;
		/* an .html file attached to a plain mail is an attachment */
		if (!is_type(p, "application/ms-tnef") &&
		    (p->attachment || (p->filename[0] && i > 0)))
			continue;
		lint_emit(m, "html", "html-part", LINT_ERROR, 0, p->line, 0,
		    "message has a %s part", p->type);
		return;
	}
}

static int sig_type(const struct lint_part *p)
{
	return is_type(p, "application/pgp-signature") ||
	    is_type(p, "application/pkcs7-signature") ||
	    is_type(p, "application/x-pkcs7-signature");
}

/* Signed mail: top multipart/signed, or a list's multipart/mixed wrapper
 * around one signed part plus inline text footers. */
static int only_signed(const struct lint_msg *m)
{
	int signed_seen = 0;

	if (is_type(&m->parts[0], "multipart/signed"))
		return 1;
	if (!is_type(&m->parts[0], "multipart/mixed"))
		return 0;
	for (size_t i = 1; i < m->nparts; i++) {
		const struct lint_part *p = &m->parts[i];

		if (p->parent != 0)
			continue;
		if (is_type(p, "multipart/signed"))
			signed_seen = 1;
		else if (!is_type(p, "text/plain") || p->attachment ||
		    p->filename[0])
			return 0;
	}
	return signed_seen;
}

static const char *wrapper_kind(const struct lint_msg *m)
{
	for (size_t i = 0; i < m->nparts; i++) {
		const struct lint_part *p = &m->parts[i];

		if (is_type(p, "multipart/alternative"))
			return "alternative";
		if (p->leaf && (p->attachment || p->filename[0]) && !sig_type(p))
			return "attachment";
	}
	return "wrapper";
}

static void rule_multipart(struct lint_msg *m)
{
	const struct lint_part *top = &m->parts[0];

	if (m->nparts == 0 || !is_multipart(top))
		return;
	/* PGP/MIME encryption cannot be sent without its wrapper; whether
	 * it should go to a list at all is the encrypted rule's question */
	if (is_type(top, "multipart/encrypted"))
		return;
	if (only_signed(m)) {
		lint_emit(m, "multipart", "signed-mime", LINT_WARNING, 1,
		    top->line, 0, "message is PGP/MIME or S/MIME signed "
		    "(multipart/signed)");
		return;
	}
	lint_emit(m, "multipart", wrapper_kind(m), LINT_ERROR, 0, top->line, 0,
	    "message is %s with %zu part%s", top->type, m->nparts,
	    LINT_S(m->nparts));
}

static int name_is_patch(const char *f)
{
	size_t n = strlen(f);

	return lint_str_isuffix(f, n, ".patch") || lint_str_isuffix(f, n, ".diff");
}

static int type_is_patch(const struct lint_part *p)
{
	return is_type(p, "text/x-patch") || is_type(p, "text/x-diff") ||
	    is_type(p, "application/x-patch") ||
	    is_type(p, "text/x-git-patch") || is_type(p, "application/x-diff");
}

/* Does the decoded start of the part look like a diff? */
static int sniff_diff(const struct lint_part *p)
{
	struct lint_part q = *p;
	struct lint_text t = {0};
	int hit = 0, minus = 0;

	if (q.body_len > SNIFF_BYTES)
		q.body_len = SNIFF_BYTES;
	if (lint_lines_load(NULL, &q, &t) != 0) {
		lint_text_free(&t);
		return 0;
	}
	for (size_t i = 0; i < t.n && !hit; i++) {
		const char *s = lint_line_ptr(&t, i);
		size_t n = t.v[i].len;

		if (lint_str_prefix(s, n, "diff --git ") ||
		    (i == 0 && lint_str_prefix(s, n, "From ") && n > 46))
			hit = 1;
		else if (lint_str_prefix(s, n, "--- "))
			minus = 1;
		else if (minus == 1 && lint_str_prefix(s, n, "+++ "))
			minus = 2;
		else if (minus == 2 && lint_str_prefix(s, n, "@@ -"))
			hit = 1;
		else if (minus == 1)
			minus = 0;
	}
	lint_text_free(&t);
	return hit;
}

/* A named or attached part whose name or content says "patch". */
static int patch_file(const struct lint_part *p)
{
	if (!p->attachment && !p->filename[0])
		return 0;
	if (name_is_patch(p->filename))
		return 1;
	return (strncmp(p->type, "text/", 5) == 0 ||
	    is_type(p, "application/octet-stream")) && sniff_diff(p);
}

static void rule_attached_patch(struct lint_msg *m)
{
	char type[sizeof(m->parts[0].type)], name[sizeof(m->parts[0].filename)];

	for (size_t i = 0; i < m->nparts; i++) {
		const struct lint_part *p = &m->parts[i];

		if (!p->leaf || (int)i == m->body || p->in_message ||
		    sig_type(p) || lint_mime_is_html(p->type))
			continue;
		if (!type_is_patch(p) && !patch_file(p))
			continue;
		/* names come from the message: keep them printable */
		printable(type, sizeof(type), p->type, strlen(p->type));
		printable(name, sizeof(name), p->filename, strlen(p->filename));
		lint_emit(m, "attached-patch", NULL, LINT_ERROR, 0, p->line, 0,
		    "patch sent as an attachment (%s%s%s)", type,
		    name[0] ? ", " : "", name);
		return;
	}
}

static void rule_encrypted(struct lint_msg *m)
{
	for (size_t i = 0; i < m->nparts; i++) {
		const struct lint_part *p = &m->parts[i];

		if (is_type(p, "multipart/encrypted") ||
		    is_type(p, "application/pkcs7-mime") ||
		    is_type(p, "application/x-pkcs7-mime")) {
			m->encrypted = 1;
			return;
		}
	}
}

/* A one-byte charset that agrees with ASCII on ASCII (iso-8859-*,
 * windows-125x, koi8-*) labelling a body whose decoded text is pure
 * ASCII: every reader sees the same text, nothing to fix. */
static int ascii_superset_ok(const struct lint_msg *m,
    const struct lint_part *p)
{
	size_t cl = strlen(p->charset);

	if (!(lint_str_prefix(p->charset, cl, "iso-8859-") ||
	    lint_str_prefix(p->charset, cl, "windows-125") ||
	    lint_str_prefix(p->charset, cl, "koi8-")) || m->text.truncated)
		return 0;
	return !mem_has_8bit(m->text.buf, m->text.len);
}

/* Needs the decoded body: run by lint_msg.c once it is loaded. */
void rule_mime_charset(struct lint_msg *m)
{
	const struct lint_part *p;
	char cs[sizeof(p->charset)];

	if (m->body < 0)
		return;
	p = &m->parts[m->body];
	if (lint_charset_is_utf8ish(p->charset) || ascii_superset_ok(m, p))
		return;
	printable(cs, sizeof(cs), p->charset, strlen(p->charset));
	lint_emit(m, "charset", NULL, LINT_WARNING, 0, p->line, 0,
	    "body charset is %s, not UTF-8 or US-ASCII", cs);
}

void rule_mime_run(struct lint_msg *m)
{
	if (m->nparts == 0)
		return;
	rule_html(m);
	rule_multipart(m);
	rule_attached_patch(m);
	rule_encrypted(m);
}
