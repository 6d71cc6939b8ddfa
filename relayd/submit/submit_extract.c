/*
 * -t recipient extraction.  Each field value is unfolded first (libetpan's
 * list parser does not want the line breaks of a folded header) and must
 * parse completely: a half-understood To: line is an error, not a guess.
 */
#include "relayd/submit/submit_extract.h"

#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "util/printable.h"

static const char *const plain_set[] = { "To", "Cc", "Bcc" };
static const char *const resent_set[] = { "Resent-To", "Resent-Cc",
	"Resent-Bcc" };

static int add_mailbox_list(struct mailimf_mailbox_list *ml,
    submit_rcpt_fn add, void *ctx, struct op_err *e)
{
	clistiter *it;

	if (ml == NULL)		/* empty group: "undisclosed-recipients:;" */
		return 0;
	for (it = clist_begin(ml->mb_list); it != NULL; it = clist_next(it)) {
		struct mailimf_mailbox *mb = clist_content(it);

		if (add(ctx, mb->mb_addr_spec, e) < 0)
			return -1;
	}
	return 0;
}

static int add_address_list(struct mailimf_address_list *al,
    submit_rcpt_fn add, void *ctx, struct op_err *e)
{
	clistiter *it;

	for (it = clist_begin(al->ad_list); it != NULL; it = clist_next(it)) {
		struct mailimf_address *a = clist_content(it);
		int r;

		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
			r = add(ctx, a->ad_data.ad_mailbox->mb_addr_spec, e);
		else
			r = add_mailbox_list(a->ad_data.ad_group->grp_mb_list,
			    add, ctx, e);
		if (r < 0)
			return -1;
	}
	return 0;
}

static size_t skip_separators(const char *v, size_t n, size_t i)
{
	while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
		i++;
	return i;
}

static int bad_list(const char *name, const char *v, size_t n,
    struct op_err *e)
{
	char shown[120];

	printable(shown, sizeof(shown), v, n);
	return op_errf(e, OP_DATA, "cannot read the addresses in the %s: "
	    "header (\"%s\")", name, shown);
}

/* Parse one unfolded value completely.  libetpan stops at an empty list
 * element ("a@b,,c@d", a trailing comma: obsolete but common), so parse
 * again after each stop; any other leftover is an error, not a guess. */
static int extract_value(const char *name, const char *v, size_t n,
    submit_rcpt_fn add, void *ctx, struct op_err *e)
{
	struct mailimf_address_list *al;
	size_t idx = skip_separators(v, n, 0), start;
	int r;

	if (memchr(v, '\0', n) != NULL)
		return bad_list(name, v, n, e);
	while (idx < n) {
		start = idx;
		al = NULL;
		if (mailimf_address_list_parse(v, n, &idx, &al) !=
		    MAILIMF_NO_ERROR || idx <= start)
			return bad_list(name, v, n, e);
		r = add_address_list(al, add, ctx, e);
		mailimf_address_list_free(al);
		if (r < 0)
			return -1;
		idx = skip_separators(v, n, idx);
	}
	return 0;
}

static int extract_field(const struct submit_hdrs *h, size_t i,
    const char *name, submit_rcpt_fn add, void *ctx, struct op_err *e)
{
	size_t n;
	char *v = submit_hdr_value(h, i, &n);
	int r;

	if (v == NULL)
		return op_errnof(e, OP_TEMP, "header value");
	r = extract_value(name, v, n, add, ctx, e);	/* "Cc:" alone: none */
	free(v);
	return r;
}

int submit_extract_rcpts(const struct submit_hdrs *h, submit_rcpt_fn add,
    void *ctx, struct op_err *e)
{
	const char *const *set = plain_set;
	size_t k;
	long i;

	for (k = 0; k < 3; k++)
		if (submit_hdr_find(h, resent_set[k], 0) >= 0)
			set = resent_set;
	for (k = 0; k < 3; k++)
		for (i = submit_hdr_find(h, set[k], 0); i >= 0;
		    i = submit_hdr_find(h, set[k], (size_t)i + 1))
			if (extract_field(h, (size_t)i, set[k], add, ctx,
			    e) < 0)
				return -1;
	return 0;
}

int submit_extract_from_addr(const struct submit_hdrs *h, char *out,
    size_t outlen)
{
	struct mailimf_mailbox_list *ml = NULL;
	long i = submit_hdr_find(h, "From", 0);
	size_t n, idx = 0, al;
	char *v;
	int r = -1;

	if (i < 0 || (v = submit_hdr_value(h, (size_t)i, &n)) == NULL)
		return -1;
	if (mailimf_mailbox_list_parse(v, n, &idx, &ml) == MAILIMF_NO_ERROR) {
		clistiter *it = clist_begin(ml->mb_list);
		struct mailimf_mailbox *mb = it != NULL ? clist_content(it) :
		    NULL;

		al = mb != NULL ? strlen(mb->mb_addr_spec) : 0;
		if (al > 0 && al < outlen) {
			memcpy(out, mb->mb_addr_spec, al + 1);
			r = 0;
		}
		mailimf_mailbox_list_free(ml);
	}
	free(v);
	return r;
}

int submit_extract_from_domain(const struct submit_hdrs *h, char *out,
    size_t outlen)
{
	char addr[1024];
	const char *at;
	size_t dl;

	if (submit_extract_from_addr(h, addr, sizeof(addr)) < 0 ||
	    (at = strrchr(addr, '@')) == NULL)
		return -1;
	dl = strlen(at + 1);
	if (dl == 0 || dl >= outlen)
		return -1;
	memcpy(out, at + 1, dl + 1);
	return 0;
}
