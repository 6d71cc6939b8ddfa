/*
 * MIME structure rules: html, multipart (signed mail as a warning),
 * attached-patch, encrypted; built from small messages written here.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

static struct lint_result lint(const char *msg, const struct lint_ctx *c)
{
	struct lint_result r;

	ck_assert_int_eq(lint_message(msg, strlen(msg), c, &r), 0);
	return r;
}

static const struct lint_finding *find(const struct lint_result *r,
    const char *rule)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].rule, rule) == 0)
			return &r->v[i];
	return NULL;
}

#define HDR "From: A <a@example.org>\nTo: list@vger.kernel.org\n" \
	"Subject: test\nMessage-ID: <1@x>\nMIME-Version: 1.0\n"

static const char alt_html[] = HDR
	"Content-Type: multipart/alternative; boundary=\"b1\"\n\n"
	"--b1\nContent-Type: text/plain; charset=utf-8\n\nHello there.\n"
	"--b1\nContent-Type: text/html; charset=utf-8\n\n<p>Hello there.</p>\n"
	"--b1--\n";

START_TEST(html_alternative)
{
	struct lint_result r = lint(alt_html, NULL);
	const struct lint_finding *f = find(&r, "html");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, LINT_ERROR);
	ck_assert_ptr_nonnull(find(&r, "multipart"));
	ck_assert_int_eq(lint_result_max(&r), LINT_ERROR);
	lint_result_free(&r);
}
END_TEST

START_TEST(html_only)
{
	static const char m[] = HDR
	    "Content-Type: text/html; charset=utf-8\n\n<html><p>x</p></html>\n";
	struct lint_result r = lint(m, NULL);

	ck_assert_ptr_nonnull(find(&r, "html"));
	ck_assert_ptr_null(find(&r, "multipart"));
	lint_result_free(&r);
}
END_TEST

START_TEST(alternative_without_html_is_multipart)
{
	static const char m[] = HDR
	    "Content-Type: multipart/alternative; boundary=\"b1\"\n\n"
	    "--b1\nContent-Type: text/plain\n\nJust text.\n--b1--\n";
	struct lint_result r = lint(m, NULL);

	ck_assert_ptr_null(find(&r, "html"));
	ck_assert_ptr_nonnull(find(&r, "multipart"));
	lint_result_free(&r);
}
END_TEST

START_TEST(plain_text_about_html_is_clean)
{
	static const char m[] = HDR "\nThe <html> tag in the docs is wrong.\n";
	struct lint_result r = lint(m, NULL);

	ck_assert_ptr_null(find(&r, "html"));
	ck_assert_uint_eq(r.n, 0);
	lint_result_free(&r);
}
END_TEST

START_TEST(html_looking_text_warns)
{
	static const char m[] = HDR "\n\n<!DOCTYPE html>\n<html><body>x</body>\n";
	struct lint_result r = lint(m, NULL);
	const struct lint_finding *f = find(&r, "html");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, LINT_WARNING);
	ck_assert_str_eq(f->detail, "html-looking-text");
	lint_result_free(&r);
}
END_TEST

START_TEST(tnef_is_html)
{
	static const char m[] = HDR
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nsee attached\n"
	    "--b\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\n"
	    "Content-Transfer-Encoding: base64\n\nAAAA\n--b--\n";
	struct lint_result r = lint(m, NULL);

	ck_assert_ptr_nonnull(find(&r, "html"));
	lint_result_free(&r);
}
END_TEST

START_TEST(html_file_attachment_is_not_html)
{
	static const char m[] = HDR
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nreport attached\n"
	    "--b\nContent-Type: text/html\nContent-Disposition: attachment; "
	    "filename=\"report.html\"\n\n<p>r</p>\n--b--\n";
	struct lint_result r = lint(m, NULL);

	ck_assert_ptr_null(find(&r, "html"));
	ck_assert_ptr_nonnull(find(&r, "multipart"));
	lint_result_free(&r);
}
END_TEST

static const char signed_msg[] = HDR
	"Content-Type: multipart/signed; micalg=pgp-sha256;\n"
	" protocol=\"application/pgp-signature\"; boundary=\"s\"\n\n"
	"--s\nContent-Type: text/plain\n\nSigned words.\n"
	"--s\nContent-Type: application/pgp-signature; name=\"signature.asc\"\n\n"
	"-----BEGIN PGP SIGNATURE-----\nxx\n-----END PGP SIGNATURE-----\n--s--\n";

START_TEST(signed_is_multipart_warning)
{
	struct lint_result r = lint(signed_msg, NULL);
	const struct lint_finding *f = find(&r, "multipart");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, LINT_WARNING);
	ck_assert_str_eq(f->detail, "signed-mime");
	ck_assert_ptr_null(find(&r, "attached-patch"));
	lint_result_free(&r);
}
END_TEST

START_TEST(attached_patch_by_name)
{
	static const char m[] = HDR
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nHere is the fix.\n"
	    "--b\nContent-Type: text/plain; name=\"0001-fix.patch\"\n"
	    "Content-Disposition: attachment; filename=\"0001-fix.patch\"\n\n"
	    "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n--b--\n";
	struct lint_result r = lint(m, NULL);
	const struct lint_finding *f = find(&r, "attached-patch");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(f->line, 0);
	lint_result_free(&r);
}
END_TEST

START_TEST(attached_patch_by_type_and_content)
{
	static const char by_type[] = HDR
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nfix\n"
	    "--b\nContent-Type: text/x-diff\n\n--- a/x\n+++ b/x\n--b--\n";
	static const char by_content[] = HDR
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nfix\n"
	    "--b\nContent-Type: text/plain\nContent-Disposition: attachment; "
	    "filename=\"fix.txt\"\nContent-Transfer-Encoding: base64\n\n"
	    "LS0tIGEveAorKysgYi94CkBAIC0xICsxIEBACi1hCitiCg==\n--b--\n";
	struct lint_result r = lint(by_type, NULL);

	ck_assert_ptr_nonnull(find(&r, "attached-patch"));
	lint_result_free(&r);
	r = lint(by_content, NULL);
	ck_assert_ptr_nonnull(find(&r, "attached-patch"));
	lint_result_free(&r);
}
END_TEST

START_TEST(text_attachment_is_not_patch)
{
	static const char m[] = HDR
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nlog attached\n"
	    "--b\nContent-Type: text/plain\nContent-Disposition: attachment; "
	    "filename=\"dmesg.txt\"\n\n[    0.000000] Linux version 6.1\n--b--\n";
	struct lint_result r = lint(m, NULL);

	ck_assert_ptr_null(find(&r, "attached-patch"));
	ck_assert_ptr_nonnull(find(&r, "multipart"));
	lint_result_free(&r);
}
END_TEST

START_TEST(encrypted_to_list)
{
	static const char m[] = HDR
	    "Content-Type: multipart/encrypted; protocol=\"application/"
	    "pgp-encrypted\"; boundary=\"e\"\n\n--e\nContent-Type: application/"
	    "pgp-encrypted\n\nVersion: 1\n--e\nContent-Type: application/"
	    "octet-stream\n\n-----BEGIN PGP MESSAGE-----\nxx\n--e--\n";
	struct lint_result r = lint(m, NULL);

	ck_assert_ptr_nonnull(find(&r, "encrypted"));
	lint_result_free(&r);
}
END_TEST

START_TEST(override_off_and_severity)
{
	const char *ids[] = { "html", "multipart" };
	enum lint_severity sev[] = { LINT_OFF, LINT_INFO };
	struct lint_ctx c;
	struct lint_result r;
	const struct lint_finding *f;

	memset(&c, 0, sizeof(c));
	c.override_ids = ids;
	c.override_sev = sev;
	c.noverrides = 2;
	r = lint(alt_html, &c);
	ck_assert_ptr_null(find(&r, "html"));
	f = find(&r, "multipart");
	ck_assert_ptr_nonnull(f);
	if (f)
		ck_assert_int_eq(f->severity, LINT_INFO);
	lint_result_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_rule_mime");
	TCase *tc = tcase_create("mime");

	tcase_add_test(tc, html_alternative);
	tcase_add_test(tc, html_only);
	tcase_add_test(tc, alternative_without_html_is_multipart);
	tcase_add_test(tc, plain_text_about_html_is_clean);
	tcase_add_test(tc, html_looking_text_warns);
	tcase_add_test(tc, tnef_is_html);
	tcase_add_test(tc, html_file_attachment_is_not_html);
	tcase_add_test(tc, signed_is_multipart_warning);
	tcase_add_test(tc, attached_patch_by_name);
	tcase_add_test(tc, attached_patch_by_type_and_content);
	tcase_add_test(tc, text_attachment_is_not_patch);
	tcase_add_test(tc, encrypted_to_list);
	tcase_add_test(tc, override_off_and_severity);
	suite_add_tcase(s, tc);
	return check_run(s);
}
