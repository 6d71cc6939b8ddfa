/* Unit tests for `account` sections: inheritance from the defaults,
 * per-account overrides, sender matching, the new keys (auth,
 * auth_mechanisms, several tls_fingerprint) and the refusals. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "tests/unit/check_main.h"

static struct conf *c, *v;
static struct op_err e;

static void setup(void)
{
	c = calloc(1, sizeof(*c));
	v = calloc(1, sizeof(*v));
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(v);
	setenv("HOME", "/home/tester", 1);
}

static void teardown(void)
{
	conf_free(c);
	free(c);
	free(v);
}

static int P(const char *text)
{
	conf_free(c);
	conf_defaults(c);
	op_err_clear(&e);
	return conf_parse(text, strlen(text), "cfg", c, &e);
}

static void accepted(const char *text)
{
	ck_assert_msg(P(text) == 0, "refused [%s]: %s", text, e.msg);
}

static void refused(const char *text, unsigned line, const char *needle)
{
	char pre[32];

	snprintf(pre, sizeof(pre), "cfg:%u: ", line);
	ck_assert_msg(P(text) == -1, "accepted: %s", text);
	ck_assert_int_eq(e.st, OP_CONFIG);
	ck_assert_msg(strncmp(e.msg, pre, strlen(pre)) == 0, "want %s: %s",
	    pre, e.msg);
	ck_assert_msg(strstr(e.msg, needle) != NULL, "want '%s' in: %s",
	    needle, e.msg);
	ck_assert_uint_eq(c->naccounts, 0);	/* freed on refusal */
}

static const char two[] =
    "tls_ca_file /etc/ca.pem\n"
    "password_command pass show mail\n"
    "account work\n"
    "smarthost smtp.corp.example:2525\n"
    "user w@corp.example\n"
    "from w@corp.example *@corp.example\n"
    "account me\n"
    "smarthost mail.home.example\n"
    "tls implicit\n"
    "user me@home.example\n"
    "password_file ~/.pw\n"
    "from me@home.example\n";

START_TEST(inherit_and_override)
{
	accepted(two);
	ck_assert_uint_eq(c->naccounts, 2);
	ck_assert_str_eq(conf_account_name(c, 0), "work");
	ck_assert_str_eq(conf_account_name(c, 1), "me");
	/* The struct itself keeps the defaults. */
	ck_assert_str_eq(c->host, "");
	ck_assert_str_eq(c->user, "");
	conf_account_view(c, 0, v);
	ck_assert_str_eq(v->host, "smtp.corp.example");
	ck_assert_uint_eq(v->port, 2525);
	ck_assert_str_eq(v->tls_ca_file, "/etc/ca.pem");
	ck_assert_str_eq(v->password_command, "pass show mail");
	ck_assert_str_eq(v->helo, "corp.example");
	ck_assert_uint_eq(v->naccounts, 0);
	conf_account_view(c, 1, v);
	ck_assert_str_eq(v->host, "mail.home.example");
	ck_assert_uint_eq(v->port, 465);
	ck_assert_int_eq(v->tls, CONF_TLS_IMPLICIT);
	/* password_file in the section replaces the inherited command. */
	ck_assert_str_eq(v->password_command, "");
	ck_assert_str_eq(v->password_file, "/home/tester/.pw");
	ck_assert_uint_eq(v->password_file_line, 11);
}
END_TEST

/* doctor probes MAIL FROM with an address the account may use. */
START_TEST(probe_sender)
{
	accepted(two);
	ck_assert_str_eq(conf_account_sender(c, 0), "w@corp.example");
	ck_assert_str_eq(conf_account_sender(c, 1), "me@home.example");
	accepted("from x@corp.example\naccount work\nsmarthost a.example\n"
	    "from *@corp.example\naccount me\nsmarthost b.example\n"
	    "from *@home.example\n");
	/* The default sender belongs to work only. */
	ck_assert_str_eq(conf_account_sender(c, 0), "x@corp.example");
	ck_assert_str_eq(conf_account_sender(c, 1), "");
}
END_TEST

START_TEST(matching)
{
	accepted(two);
	ck_assert_int_eq(conf_account_match(c, "w@corp.example"), 0);
	ck_assert_int_eq(conf_account_match(c, "W@CORP.example"), 0);
	ck_assert_int_eq(conf_account_match(c, "boss@corp.example"), 0);
	ck_assert_int_eq(conf_account_match(c, "me@home.example"), 1);
	ck_assert_int_eq(conf_account_match(c, "other@home.example"), -1);
	ck_assert_int_eq(conf_account_match(c, "x@sub.corp.example"), -1);
	ck_assert_int_eq(conf_account_match(c, ""), -1);
	ck_assert_int_eq(conf_account_find(c, "me"), 1);
	ck_assert_int_eq(conf_account_find(c, "nobody"), -1);
	{
		char list[64];

		conf_account_list(c, list, sizeof(list));
		ck_assert_str_eq(list, "work, me");
		conf_account_list(c, list, 6);
		ck_assert_uint_lt(strlen(list), 6);
	}
}
END_TEST

/* An exact pattern wins over an earlier account's *@domain. */
START_TEST(exact_beats_domain)
{
	accepted("account all\nfrom *@x.example\n"
	    "account boss\nfrom boss@x.example\n");
	ck_assert_int_eq(conf_account_match(c, "boss@x.example"), 1);
	ck_assert_int_eq(conf_account_match(c, "a@x.example"), 0);
}
END_TEST

START_TEST(default_account)
{
	accepted("account_default b\naccount a\nfrom a@x.example\n"
	    "account b\n");
	ck_assert_int_eq(conf_account_match(c, "zz@y.example"), 1);
	ck_assert_int_eq(conf_account_match(c, "a@x.example"), 0);
	refused("account_default c\naccount a\n", 1, "names no account");
	refused("account_default a\n", 1, "no `account`");
	refused("account a\naccount_default a\n", 2, "every account");
}
END_TEST

START_TEST(no_sections_unchanged)
{
	accepted("smarthost h.example\nuser u@h.example\n"
	    "password_command pw\n");
	ck_assert_uint_eq(c->naccounts, 0);
	ck_assert_str_eq(c->host, "h.example");
	ck_assert_str_eq(c->from, "u@h.example");
	ck_assert_int_eq(conf_account_match(c, "u@h.example"), -1);
}
END_TEST

START_TEST(section_refusals)
{
	refused("account a\nspool /tmp/x\n", 2, "above the first");
	refused("account a\nlists *@vger.kernel.org\n", 2, "every account");
	refused("account a b\n", 1, "not valid");
	refused("account a\naccount a\n", 2, "defined twice");
	refused("account a\nsmarthost x\nsmarthost y\n", 3, "already set");
	refused("account a\nfrom nobody\n", 2, "pattern");
	refused("account a\nfrom a*@x.example\n", 2, "pattern");
	refused("account a\nfrom *@\n", 2, "pattern");
	refused("account a\nuser u@x\n", 2, "no password");
	refused("user u@x\npassword_command p\naccount a\ntls off\n", 4,
	    "clear");
	/* Checks of the last section run at the end of the file too. */
	refused("account a\nsmarthost x\naccount b\nuser u\n", 4,
	    "no password");
}
END_TEST

/* Defaults may be incomplete when every section completes them. */
START_TEST(defaults_completed_in_sections)
{
	accepted("user u@x.example\naccount a\npassword_command pa\n"
	    "account b\npassword_command pb\n");
	conf_account_view(c, 1, v);
	ck_assert_str_eq(v->user, "u@x.example");
	ck_assert_str_eq(v->password_command, "pb");
}
END_TEST

START_TEST(auth_keys)
{
	accepted("user u@x\npassword_command p\nauth xoauth2\n");
	ck_assert_str_eq(c->auth_mechanisms, "XOAUTH2");
	accepted("user u@x\npassword_command p\nauth oauthbearer\n");
	ck_assert_str_eq(c->auth_mechanisms, "OAUTHBEARER");
	accepted("user u@x\npassword_command p\nauth password\n");
	ck_assert_str_eq(c->auth_mechanisms, "");
	accepted("user u@x\npassword_command p\n"
	    "auth_mechanisms  scram-sha-256\tPLAIN  \n");
	ck_assert_str_eq(c->auth_mechanisms, "SCRAM-SHA-256 PLAIN");
	refused("user u@x\npassword_command p\nauth kerberos\n", 3,
	    "unknown");
	refused("user u@x\npassword_command p\nauth_mechanisms PLAIN!\n",
	    3, "not a SASL");
	refused("user u@x\npassword_command p\nauth xoauth2\n"
	    "auth_mechanisms PLAIN\n", 4, "keep one");
	refused("auth xoauth2\n", 1, "no user");
	/* A token in a file would be stale within the hour. */
	refused("user u@x\npassword_file /nonexistent\nauth xoauth2\n", 3,
	    "password_command");
	refused("user u@x\nauth_mechanisms OAUTHBEARER\n"
	    "password_file /nonexistent\n", 3, "password_command");
	/* A section's auth replaces the default auth_mechanisms. */
	accepted("user u@x\npassword_command p\nauth_mechanisms PLAIN\n"
	    "account g\nauth xoauth2\naccount h\n");
	conf_account_view(c, 0, v);
	ck_assert_str_eq(v->auth_mechanisms, "XOAUTH2");
	conf_account_view(c, 1, v);
	ck_assert_str_eq(v->auth_mechanisms, "PLAIN");
}
END_TEST

#define PIN_A "sha256:00112233445566778899aabbccddeeff" \
	"00112233445566778899aabbccddeeff"
#define PIN_B "sha256:ffeeddccbbaa99887766554433221100" \
	"ffeeddccbbaa99887766554433221100"

START_TEST(pins_list)
{
	accepted("tls_fingerprint " PIN_A "\ntls_fingerprint " PIN_B "\n");
	ck_assert_uint_eq(c->npins, 2);
	ck_assert_uint_eq(c->tls_fingerprint[1][0], 0xff);
	/* A section's first pin replaces the inherited list. */
	accepted("tls_fingerprint " PIN_A "\ntls_fingerprint " PIN_B "\n"
	    "account a\ntls_fingerprint " PIN_B "\naccount b\n");
	conf_account_view(c, 0, v);
	ck_assert_uint_eq(v->npins, 1);
	ck_assert_uint_eq(v->tls_fingerprint[0][0], 0xff);
	conf_account_view(c, 1, v);
	ck_assert_uint_eq(v->npins, 2);
	refused("tls_fingerprint " PIN_A "\ntls_fingerprint " PIN_A "\n"
	    "tls_fingerprint " PIN_A "\ntls_fingerprint " PIN_A "\n"
	    "tls_fingerprint " PIN_A "\ntls_fingerprint " PIN_A "\n"
	    "tls_fingerprint " PIN_A "\ntls_fingerprint " PIN_A "\n"
	    "tls_fingerprint " PIN_A "\n", 9, "more than");
}
END_TEST

/* Many accounts stay small: each is one allocation, not a struct conf. */
START_TEST(many_accounts)
{
	char *buf = malloc(64 * 64);
	size_t o = 0;
	int i;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < CONF_ACCOUNTS_MAX; i++)
		o += (size_t)snprintf(buf + o, 64 * 64 - o,
		    "account a%d\nfrom u%d@x.example\n", i, i);
	accepted(buf);
	ck_assert_uint_eq(c->naccounts, CONF_ACCOUNTS_MAX);
	ck_assert_int_eq(conf_account_match(c, "u63@x.example"), 63);
	snprintf(buf + o, 64 * 64 - o, "account one_more\n");
	ck_assert_int_eq(P(buf), -1);
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_account");
	TCase *t = tcase_create("account");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, inherit_and_override);
	tcase_add_test(t, matching);
	tcase_add_test(t, probe_sender);
	tcase_add_test(t, exact_beats_domain);
	tcase_add_test(t, default_account);
	tcase_add_test(t, no_sections_unchanged);
	tcase_add_test(t, section_refusals);
	tcase_add_test(t, defaults_completed_in_sections);
	tcase_add_test(t, auth_keys);
	tcase_add_test(t, pins_list);
	tcase_add_test(t, many_accounts);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
