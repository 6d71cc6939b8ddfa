/*
 * MIME walk: parse the message once with libetpan and record every part
 * (type, disposition, filename, charset, transfer encoding, format=flowed,
 * wire body and its input line).  Depth and part count are capped; a
 * message libetpan cannot parse, or one whose parse would not fit the
 * memory bound (lint_shape.c), is treated as one part described by its
 * top-level header.
 */
#include "lint/lint_int.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <string.h>

static void lower_copy(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	if (n == 0)
		return;
	for (; src && src[i] && i + 1 < n; i++) {
		char c = src[i];

		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	dst[i] = '\0';
}

static const char *major_name(const struct mailmime_type *t)
{
	if (!t)
		return "text";
	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		const struct mailmime_discrete_type *d =
		    t->tp_data.tp_discrete_type;

		switch (d ? d->dt_type : MAILMIME_DISCRETE_TYPE_TEXT) {
		case MAILMIME_DISCRETE_TYPE_IMAGE: return "image";
		case MAILMIME_DISCRETE_TYPE_AUDIO: return "audio";
		case MAILMIME_DISCRETE_TYPE_VIDEO: return "video";
		case MAILMIME_DISCRETE_TYPE_APPLICATION: return "application";
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			return d->dt_extension ? d->dt_extension : "x";
		default: return "text";
		}
	}
	if (!t->tp_data.tp_composite_type)
		return "multipart";
	switch (t->tp_data.tp_composite_type->ct_type) {
	case MAILMIME_COMPOSITE_TYPE_MESSAGE: return "message";
	case MAILMIME_COMPOSITE_TYPE_MULTIPART: return "multipart";
	default:
		return t->tp_data.tp_composite_type->ct_token ?
		    t->tp_data.tp_composite_type->ct_token : "x";
	}
}

static void content_info(struct lint_part *p, struct mailmime_content *ct)
{
	char tmp[sizeof(p->type)];
	char k_format[] = "format", k_delsp[] = "delsp";
	char k_protocol[] = "protocol", k_name[] = "name";
	char *v;

	if (!ct) {
		memcpy(p->type, "text/plain", sizeof("text/plain"));
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s/%s", major_name(ct->ct_type),
	    ct->ct_subtype ? ct->ct_subtype : "");
	lower_copy(p->type, sizeof(p->type), tmp);
	lower_copy(p->charset, sizeof(p->charset),
	    mailmime_content_charset_get(ct));
	v = mailmime_content_param_get(ct, k_format);
	p->flowed = v && lint_str_iprefix(v, strlen(v), "flowed");
	v = mailmime_content_param_get(ct, k_delsp);
	p->delsp = v && lint_str_iprefix(v, strlen(v), "yes");
	lower_copy(p->protocol, sizeof(p->protocol),
	    mailmime_content_param_get(ct, k_protocol));
	v = mailmime_content_param_get(ct, k_name);
	if (v)
		lower_copy(p->filename, sizeof(p->filename), v);
}

static int cte_of(int enc)
{
	switch (enc) {
	case MAILMIME_MECHANISM_7BIT: return LINT_CTE_7BIT;
	case MAILMIME_MECHANISM_8BIT: return LINT_CTE_8BIT;
	case MAILMIME_MECHANISM_BINARY: return LINT_CTE_BINARY;
	case MAILMIME_MECHANISM_QUOTED_PRINTABLE: return LINT_CTE_QP;
	case MAILMIME_MECHANISM_BASE64: return LINT_CTE_B64;
	default: return LINT_CTE_OTHER;
	}
}

static void disposition_info(struct lint_part *p,
    const struct mailmime_disposition *d)
{
	if (d->dsp_type &&
	    d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
		p->attachment = 1;
	for (clistiter *it = d->dsp_parms ? clist_begin(d->dsp_parms) : NULL;
	    it; it = clist_next(it)) {
		const struct mailmime_disposition_parm *pa = clist_content(it);

		if (pa && pa->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME &&
		    pa->pa_data.pa_filename)
			lower_copy(p->filename, sizeof(p->filename),
			    pa->pa_data.pa_filename);
	}
}

static void fields_info(struct lint_part *p, struct mailmime_fields *f)
{
	p->cte = LINT_CTE_7BIT;
	if (!f || !f->fld_list)
		return;
	for (clistiter *it = clist_begin(f->fld_list); it;
	    it = clist_next(it)) {
		const struct mailmime_field *fl = clist_content(it);

		if (!fl)
			continue;
		if (fl->fld_type == MAILMIME_FIELD_TRANSFER_ENCODING &&
		    fl->fld_data.fld_encoding)
			p->cte = cte_of(fl->fld_data.fld_encoding->enc_type);
		else if (fl->fld_type == MAILMIME_FIELD_DISPOSITION &&
		    fl->fld_data.fld_disposition)
			disposition_info(p, fl->fld_data.fld_disposition);
	}
}

/* Input line number of a pointer into m->raw.  Parts are visited in order,
 * so a forward cursor keeps this linear over the whole walk. */
static unsigned msg_lineno(struct lint_msg *m, const char *p)
{
	size_t off;

	if (p < m->raw || p > m->raw + m->raw_len)
		return 0;
	off = (size_t)(p - m->raw);
	if (off < m->cur_off) {
		m->cur_off = 0;
		m->cur_line = m->line_base;
	}
	for (const char *q = m->raw + m->cur_off; q < p;) {
		const char *nl = memchr(q, '\n', (size_t)(p - q));

		if (!nl)
			break;
		m->cur_line++;
		q = nl + 1;
	}
	m->cur_off = off;
	/* cur_off may sit mid-line; that is fine, we only count newlines */
	return m->cur_line;
}

static void set_body(struct lint_msg *m, struct lint_part *p,
    const struct mailmime_data *d)
{
	if (!d || d->dt_type != MAILMIME_DATA_TEXT || !d->dt_data.dt_text.dt_data)
		return;
	p->body = d->dt_data.dt_text.dt_data;
	p->body_len = d->dt_data.dt_text.dt_length;
	/* libetpan points into our buffer; guard anyway */
	if (p->body < m->raw || p->body + p->body_len > m->raw + m->raw_len) {
		p->body = NULL;
		p->body_len = 0;
		return;
	}
	p->line = msg_lineno(m, p->body);
}

static void walk(struct lint_msg *m, struct mailmime *mm, int depth,
    int parent, int in_message);

static void walk_children(struct lint_msg *m, struct mailmime *mm,
    int depth, int me, int in_message)
{
	clist *l = mm->mm_data.mm_multipart.mm_mp_list;

	for (clistiter *it = l ? clist_begin(l) : NULL; it;
	    it = clist_next(it))
		walk(m, clist_content(it), depth + 1, me, in_message);
}

static void walk(struct lint_msg *m, struct mailmime *mm, int depth,
    int parent, int in_message)
{
	struct lint_part *p;
	int me;

	if (!mm)
		return;
	if (m->nparts >= LINT_MAX_PARTS || depth > LINT_MAX_DEPTH) {
		m->parts_truncated = 1;
		return;
	}
	me = (int)m->nparts++;
	p = &m->parts[me];
	p->depth = depth;
	p->parent = parent;
	p->in_message = in_message;
	content_info(p, mm->mm_content_type);
	fields_info(p, mm->mm_mime_fields);
	if (mm->mm_type == MAILMIME_MULTIPLE) {
		walk_children(m, mm, depth, me, in_message);
		return;
	}
	p->leaf = 1;
	if (mm->mm_type == MAILMIME_SINGLE)
		set_body(m, p, mm->mm_data.mm_single);
	else if (mm->mm_type == MAILMIME_MESSAGE) {
		memcpy(p->type, "message/rfc822", sizeof("message/rfc822"));
		set_body(m, p, mm->mm_body);
	}
}

/* Fallback: one part, typed from the raw top-level header. */
static void flat(struct lint_msg *m)
{
	struct lint_part *p = &m->parts[0];
	char ct[256];
	size_t i = 0;

	memset(p, 0, sizeof(*p));
	m->nparts = 1;
	p->parent = -1;
	p->leaf = 1;
	if (lint_hdr_get(m->raw, m->hdr_len, "Content-Type", ct, sizeof(ct))) {
		while (ct[i] && ct[i] != ';' && ct[i] != ' ' &&
		    i + 1 < sizeof(p->type)) {
			char c = ct[i];

			p->type[i++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		p->type[i] = '\0';
	} else
		memcpy(p->type, "text/plain", sizeof("text/plain"));
	p->body = m->raw + m->hdr_len;
	p->body_len = m->raw_len - m->hdr_len;
	p->line = msg_lineno(m, p->body);
	p->cte = LINT_CTE_8BIT;
}

/* The body part (docs/LINT-RULES.md): the first inline text/plain leaf that
 * is not inside an attached message. */
static void pick_body(struct lint_msg *m)
{
	for (size_t i = 0; i < m->nparts; i++) {
		const struct lint_part *p = &m->parts[i];

		size_t fl = strlen(p->filename);

		/* a named .patch part is an attachment even when inline */
		if (lint_str_isuffix(p->filename, fl, ".patch") ||
		    lint_str_isuffix(p->filename, fl, ".diff"))
			continue;
		if (p->leaf && !p->attachment && !p->in_message && p->body &&
		    strcmp(p->type, "text/plain") == 0) {
			m->body = (int)i;
			return;
		}
	}
}

void lint_mime_walk(struct lint_msg *m)
{
	struct mailmime *mm = NULL;
	size_t idx = 0;

	if (!lint_shape_parsable(m->raw, m->raw_len) ||
	    mailmime_parse(m->raw, m->raw_len, &idx, &mm) != MAILIMF_NO_ERROR ||
	    !mm) {
		if (mm)
			mailmime_free(mm);
		flat(m);
		m->parts_truncated = 1;
		pick_body(m);
		return;
	}
	if (mm->mm_type == MAILMIME_MESSAGE)
		walk(m, mm->mm_data.mm_message.mm_msg_mime, 0, -1, 0);
	else
		walk(m, mm, 0, -1, 0);
	if (m->nparts == 0)
		flat(m);
	mailmime_free(mm);
	pick_body(m);
}

int lint_mime_is_html(const char *type)
{
	return strcmp(type, "text/html") == 0 ||
	    strcmp(type, "text/xhtml") == 0 ||
	    strcmp(type, "text/enriched") == 0 ||
	    strcmp(type, "text/richtext") == 0 ||
	    strcmp(type, "application/ms-tnef") == 0;
}
