/* Unit tests for conf_parse(): every key with good and bad values, the
 * cross-key checks, and hostile bytes.  No files are touched here. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "conf/conf.h"
#include "tests/unit/check_main.h"

static struct conf *c;
static struct op_err e;

static void setup(void)
{
	c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	setenv("HOME", "/home/tester", 1);
}

static void teardown(void)
{
	conf_free(c);
	free(c);
}

static int P(const char *text)
{
	conf_free(c);	/* what an earlier parse in this test allocated */
	conf_defaults(c);
	op_err_clear(&e);
	return conf_parse(text, strlen(text), "cfg", c, &e);
}

static int PL(const char *text, size_t len)
{
	conf_free(c);
	conf_defaults(c);
	op_err_clear(&e);
	return conf_parse(text, len, "cfg", c, &e);
}

/* Refused with OP_CONFIG and a message that starts with "cfg:LINE: ". */
static void refused(const char *text, unsigned line)
{
	char pre[32];

	snprintf(pre, sizeof(pre), "cfg:%u: ", line);
	ck_assert_msg(P(text) == -1, "accepted: %s", text);
	ck_assert_int_eq(e.st, OP_CONFIG);
	ck_assert_msg(strncmp(e.msg, pre, strlen(pre)) == 0,
	    "message for [%s] lacks %s: %s", text, pre, e.msg);
	ck_assert_msg(strchr(e.msg, ';') != NULL, "no hint in: %s", e.msg);
}

static void accepted(const char *text)
{
	ck_assert_msg(P(text) == 0, "refused [%s]: %s", text, e.msg);
}

START_TEST(empty_gives_defaults)
{
	accepted("");
	ck_assert_int_eq(c->tls, CONF_TLS_STARTTLS);
	ck_assert_uint_eq(c->port, 587);
	ck_assert_int_eq(c->lint, CONF_LINT_REJECT);
	ck_assert_uint_eq(c->retry_min, 60);
	ck_assert_uint_eq(c->retry_max, 3600);
	ck_assert_uint_eq(c->queue_lifetime, 5 * 86400);
	ck_assert_uint_eq(c->connect_timeout, 30);
	ck_assert_uint_eq(c->command_timeout, 300);
	ck_assert_uint_eq(c->nlists, 0);
	ck_assert_str_eq(c->host, "");
	accepted("# only a comment\n\n   \t\n");
}
END_TEST

START_TEST(full_config)
{
	accepted("smarthost mail.example.org:2525\n"
	    "tls implicit\n"
	    "tls_ca_file /etc/ssl/certs/ca-certificates.crt\n"
	    "tls_server_name smtp.example.org\n"
	    "tls_fingerprint sha256:"
	    "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n"
	    "user me@example.org\n"
	    "password_file ~/.config/outpost/password\n"
	    "helo laptop.example.org\n"
	    "from me@example.org\n"
	    "spool /var/tmp/spool\n"
	    "lint warn\n"
	    "lists *@vger.kernel.org *@lists.example.org\n"
	    "lists dev@example.com\n"
	    "lint_rule top-post warning\n"
	    "lint_rule long-lines off\n"
	    "retry_min 30s\nretry_max 4h\nqueue_lifetime 3d\n"
	    "connect_timeout 10s\ncommand_timeout 2m\n");
	ck_assert_str_eq(c->host, "mail.example.org");
	ck_assert_uint_eq(c->port, 2525);
	ck_assert_int_eq(c->tls, CONF_TLS_IMPLICIT);
	ck_assert_str_eq(c->tls_server_name, "smtp.example.org");
	ck_assert_uint_eq(c->npins, 1);
	ck_assert_uint_eq(c->tls_fingerprint[0][0], 0x00);
	ck_assert_uint_eq(c->tls_fingerprint[0][31], 0xff);
	ck_assert_str_eq(c->user, "me@example.org");
	ck_assert_str_eq(c->password_file,
	    "/home/tester/.config/outpost/password");
	ck_assert_uint_eq(c->password_file_line, 7);
	ck_assert_str_eq(c->helo, "laptop.example.org");
	ck_assert_str_eq(c->spool, "/var/tmp/spool");
	ck_assert_int_eq(c->lint, CONF_LINT_WARN);
	ck_assert_uint_eq(c->nlists, 3);
	ck_assert_str_eq(c->lists[0], "*@vger.kernel.org");
	ck_assert_str_eq(c->lists[2], "dev@example.com");
	ck_assert_uint_eq(c->nrules, 2);
	ck_assert_str_eq(c->rules[0].id, "top-post");
	ck_assert_int_eq(c->rules[0].severity, 2);
	ck_assert_int_eq(c->rules[1].severity, 0);
	ck_assert_uint_eq(c->retry_min, 30);
	ck_assert_uint_eq(c->retry_max, 4 * 3600);
	ck_assert_uint_eq(c->queue_lifetime, 3 * 86400);
	ck_assert_uint_eq(c->connect_timeout, 10);
	ck_assert_uint_eq(c->command_timeout, 120);
}
END_TEST

START_TEST(smarthost_forms)
{
	accepted("smarthost mail.example.org");
	ck_assert_uint_eq(c->port, 587);
	ck_assert_int_eq(c->port_set, 0);
	accepted("smarthost 192.0.2.1:25");
	ck_assert_str_eq(c->host, "192.0.2.1");
	ck_assert_uint_eq(c->port, 25);
	accepted("smarthost [::1]:2525");
	ck_assert_str_eq(c->host, "::1");
	ck_assert_uint_eq(c->port, 2525);
	accepted("smarthost [2001:db8::25]");
	ck_assert_str_eq(c->host, "2001:db8::25");
	ck_assert_uint_eq(c->port, 587);
	accepted("smarthost h:1");
	accepted("smarthost h:65535");
	ck_assert_uint_eq(c->port, 65535);
}
END_TEST

START_TEST(implicit_port)
{
	accepted("smarthost mail.example.org\ntls implicit\n");
	ck_assert_uint_eq(c->port, 465);
	accepted("tls implicit\nsmarthost mail.example.org:2465\n");
	ck_assert_uint_eq(c->port, 2465);
	accepted("smarthost mail.example.org\ntls off\n");
	ck_assert_uint_eq(c->port, 587);
}
END_TEST

START_TEST(smarthost_bad)
{
	static const char *const bad[] = {
		"smarthost :", "smarthost :25", "smarthost [::1",
		"smarthost h:0", "smarthost h:65536", "smarthost h:",
		"smarthost h:-1", "smarthost h:25x", "smarthost a:b:c",
		"smarthost ::1", "smarthost [::1]x", "smarthost [::1]:",
		"smarthost [zz::1]", "smarthost []", "smarthost -host",
		"smarthost .host", "smarthost h o", "smarthost h\xc3\xa9",
		"smarthost h:99999999999999999999999999",
		"smarthost h:18446744073709551617",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i], 1);
}
END_TEST

START_TEST(tls_values)
{
	accepted("tls starttls");
	ck_assert_int_eq(c->tls, CONF_TLS_STARTTLS);
	accepted("tls off");
	ck_assert_int_eq(c->tls, CONF_TLS_OFF);
	refused("tls STARTTLS", 1);
	refused("tls yes", 1);
	refused("tls starttls extra", 1);
	accepted("tls_server_name 192.0.2.7");
	refused("tls_server_name bad name", 1);
	refused("tls_ca_file relative/ca.pem", 1);
	accepted("tls_ca_file ~/ca.pem");
	ck_assert_str_eq(c->tls_ca_file, "/home/tester/ca.pem");
}
END_TEST

START_TEST(fingerprints)
{
	accepted("tls_fingerprint SHA256:"
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FE");
	ck_assert_uint_eq(c->tls_fingerprint[0][31], 0xfe);
	refused("tls_fingerprint 00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff", 1);
	refused("tls_fingerprint sha256:00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddee", 1);	/* 31 bytes */
	refused("tls_fingerprint sha256:00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff00", 1);	/* 33 bytes */
	refused("tls_fingerprint sha256:0g112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff", 1);
	refused("tls_fingerprint md5:00112233445566778899aabbccddeeff", 1);
	refused("tls_fingerprint sha256:", 1);
}
END_TEST

START_TEST(auth_keys)
{
	accepted("user me\npassword_command pass show mail\n");
	ck_assert_str_eq(c->password_command, "pass show mail");
	accepted("user me\npassword_command pass show a#b # comment\n");
	ck_assert_str_eq(c->password_command, "pass show a#b");
	refused("user me\npassword_file /p\npassword_command cat /p\n", 3);
	refused("password_command cat /p\nuser me\npassword_file /p\n", 3);
	refused("user me\npassword_file /p\ntls off\n", 3);
	ck_assert_ptr_nonnull(strstr(e.msg, "in clear"));
	refused("tls off\npassword_file /p\nuser me\n", 3);
	refused("tls off\ntls_fingerprint sha256:0011223344556677889900112233"
	    "4455667788990011223344556677889900\n", 2);
	refused("tls_server_name x.example\ntls off\n", 2);
	refused("tls off\ntls_ca_file /ca.pem\n", 2);
	refused("user me\n", 1);
	refused("password_file /p\n", 1);
	refused("user me\npassword_file p\n", 2);
	accepted("smarthost h\ntls off\n");
}
END_TEST

START_TEST(from_and_helo)
{
	accepted("from me@example.org");
	ck_assert_str_eq(c->from, "me@example.org");
	ck_assert_str_eq(c->helo, "example.org");
	refused("from Me <me@example.org>", 1);
	refused("from nobody", 1);
	refused("from @example.org", 1);
	refused("from me@", 1);
	/* from falls back to user when user is an address */
	accepted("user me@mail.example.net\npassword_command true\n");
	ck_assert_str_eq(c->from, "me@mail.example.net");
	ck_assert_str_eq(c->helo, "mail.example.net");
	accepted("user me@x.example\npassword_command true\nfrom you@y.example\n"
	    "helo h.example\n");
	ck_assert_str_eq(c->from, "you@y.example");
	ck_assert_str_eq(c->helo, "h.example");
	refused("helo not a name", 1);
}
END_TEST

START_TEST(spool_paths)
{
	accepted("spool ~/mail/spool");
	ck_assert_str_eq(c->spool, "/home/tester/mail/spool");
	accepted("spool /var/spool/\xc3\xa9t\xc3\xa9");	/* UTF-8 path */
	refused("spool spool", 1);
	refused("spool ~user/spool", 1);
}
END_TEST

START_TEST(lint_keys)
{
	char big[CONF_LISTS_MAX * 4 + 64];
	size_t i, n = 0;

	accepted("lint off");
	ck_assert_int_eq(c->lint, CONF_LINT_OFF);
	accepted("lint reject");
	refused("lint maybe", 1);
	accepted("lint_rule html error\nlint_rule cc-trimmed info\n");
	ck_assert_int_eq(c->rules[0].severity, 3);
	ck_assert_int_eq(c->rules[1].severity, 1);
	refused("lint_rule html fatal", 1);
	refused("lint_rule html", 1);
	refused("lint_rule Top_Post warning", 1);
	refused("lint_rule top-post warning\nlint_rule top-post off\n", 2);
	refused("lint_rule aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa off", 1);
	n += (size_t)snprintf(big, sizeof(big), "lists");
	for (i = 0; i < CONF_LISTS_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, " a%zu", i % 10);
	accepted(big);
	ck_assert_uint_eq(c->nlists, CONF_LISTS_MAX);
	snprintf(big + n, sizeof(big) - n, " one-too-many");
	refused(big, 1);
	ck_assert_uint_eq(c->lint_max_size, CONF_LINT_MAX_SIZE);
	accepted("lint_max_size 800k");
	ck_assert_uint_eq(c->lint_max_size, 800000);
	accepted("lint_max_size 250000");
	ck_assert_uint_eq(c->lint_max_size, 250000);
	accepted("lint_max_size 10M");
	ck_assert_uint_eq(c->lint_max_size, 10000000);
	refused("lint_max_size 12", 1);
	refused("lint_max_size big", 1);
	refused("lint_max_size 10G", 1);
}
END_TEST

START_TEST(durations)
{
	static const char *const keys[] = { "retry_min", "retry_max",
	    "queue_lifetime", "connect_timeout", "command_timeout" };
	char line[128];
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "%s 90s", keys[i]);
		accepted(line);
		snprintf(line, sizeof(line), "%s 0", keys[i]);
		refused(line, 1);
		snprintf(line, sizeof(line), "%s 5x", keys[i]);
		refused(line, 1);
		snprintf(line, sizeof(line), "%s -5s", keys[i]);
		refused(line, 1);
		snprintf(line, sizeof(line), "%s 99999999999999999999999s",
		    keys[i]);
		refused(line, 1);
		snprintf(line, sizeof(line), "%s 400d", keys[i]);
		refused(line, 1);
	}
	refused("retry_min 2h\nretry_max 1h\n", 2);
	refused("retry_min 2h\n", 1);	/* default retry_max is 1h */
	accepted("retry_min 1h\nretry_max 1h\n");
	accepted("queue_lifetime 1w");
	ck_assert_uint_eq(c->queue_lifetime, 7 * 86400);
}
END_TEST

START_TEST(unknown_and_duplicate)
{
	refused("tls off\n\nsmarthost_port 25\n", 3);
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown key"));
	ck_assert_int_eq(op_exitcode(e.st), EX_CONFIG);
	refused("TLS off", 1);
	refused("tls off\ntls starttls\n", 2);
	ck_assert_ptr_nonnull(strstr(e.msg, "line 1"));
	refused("smarthost", 1);
	refused("smarthost   # nothing", 1);
	refused("\xff\xfe key", 1);
}
END_TEST

START_TEST(line_limits)
{
	char *buf = malloc(CONF_LINE_MAX + 16);

	ck_assert_ptr_nonnull(buf);
	buf[0] = '#';
	memset(buf + 1, 'x', CONF_LINE_MAX - 1);
	memcpy(buf + CONF_LINE_MAX, "\ntls off\n", 10);
	accepted(buf);
	ck_assert_int_eq(c->tls, CONF_TLS_OFF);
	memset(buf + 1, 'x', CONF_LINE_MAX);
	memcpy(buf + CONF_LINE_MAX + 1, "\n", 2);
	refused(buf, 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "longer than"));
	free(buf);
}
END_TEST

START_TEST(hostile_bytes)
{
	static const char nul[] = "tls off\nsmart\0host h\n";

	ck_assert_int_eq(PL(nul, sizeof(nul) - 1), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "cfg:2:"));
	ck_assert_ptr_nonnull(strstr(e.msg, "0x00"));
	refused("tls off\rsmarthost h\n", 1);
	refused("tls off\x1b[2J\n", 1);
	refused("lint off\x7f\n", 1);
	/* CRLF files and a last line without newline are plain text */
	accepted("tls off\r\nlint warn\r\nsmarthost h");
	ck_assert_int_eq(c->tls, CONF_TLS_OFF);
	ck_assert_str_eq(c->host, "h");
	accepted("\ttls\t off \t\n");
	ck_assert_int_eq(c->tls, CONF_TLS_OFF);
	/* the file name is made printable in messages */
	conf_defaults(c);
	ck_assert_int_eq(conf_parse("x y", 3, "evil\x1b]name", c, &e), -1);
	ck_assert_ptr_null(strchr(e.msg, '\x1b'));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_parse");
	TCase *t = tcase_create("parse");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, empty_gives_defaults);
	tcase_add_test(t, full_config);
	tcase_add_test(t, smarthost_forms);
	tcase_add_test(t, implicit_port);
	tcase_add_test(t, smarthost_bad);
	tcase_add_test(t, tls_values);
	tcase_add_test(t, fingerprints);
	tcase_add_test(t, auth_keys);
	tcase_add_test(t, from_and_helo);
	tcase_add_test(t, spool_paths);
	tcase_add_test(t, lint_keys);
	tcase_add_test(t, durations);
	tcase_add_test(t, unknown_and_duplicate);
	tcase_add_test(t, line_limits);
	tcase_add_test(t, hostile_bytes);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
