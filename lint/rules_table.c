/*
 * The rule table: contract ids, default severities, and the texts we show
 * (one-line summary, explanation, form-letter paragraph), all in our words.
 * Pure constant data plus lookups; it never allocates, prints or parses mail.
 */
#include "lint/lint.h"

#include <stddef.h>
#include <string.h>

/* Explanations are wrapped at 72 columns so they read well in a terminal
 * and when pasted into a reply; letters are paragraphs of the same width. */
static const struct lint_rule_info rules[] = {
{ "html", LINT_ERROR,
  "message contains an HTML part",
  "Many kernel and developer lists (vger.kernel.org among them) refuse\n"
  "any message with a text/html part, even when a plain-text copy travels\n"
  "alongside it. Reviewers read mail in terminals and plain-text clients,\n"
  "and archives and patch tools only deal well with plain text.\n"
  "How to fix:\n"
  "  Thunderbird: Account Settings > Composition & Addressing, untick\n"
  "    \"Compose messages in HTML format\" (hold Shift when pressing\n"
  "    Reply to get plain text for one message).\n"
  "  Gmail: in the compose window open the three-dot menu and choose\n"
  "    \"Plain text mode\".\n"
  "  Outlook: Format Text > Plain Text (or File > Options > Mail >\n"
  "    Compose messages in this format: Plain Text).\n"
  "  mutt and git send-email already send plain text.",
  "Your message was sent with an HTML part. Many development lists drop\n"
  "such mail without telling the sender, so most people on the list never\n"
  "saw it. Please switch your client to plain text (Thunderbird: Account\n"
  "Settings > Composition & Addressing; Gmail: \"Plain text mode\" in the\n"
  "compose menu; Outlook: Format Text > Plain Text) and send it again." },
{ "multipart", LINT_ERROR,
  "message is multipart (attachments or a MIME wrapper)",
  "Lists prefer a single text/plain body. Attachments are awkward to\n"
  "quote in a reply, may be stripped by list software, and logs or\n"
  "configs are easier to discuss when they sit inline (or behind a link\n"
  "to a paste or bug tracker). A multipart wrapper around one text part\n"
  "adds nothing but noise. Signed mail (multipart/signed) is tolerated by\n"
  "most lists, which is why it is only a warning.\n"
  "How to fix:\n"
  "  Paste short logs inline; for long ones, trim them to the part that\n"
  "  matters. Do not attach files to list mail.\n"
  "  Thunderbird/Outlook/Gmail: remove the attachment and send plain text.\n"
  "  mutt: do not add attachments with 'a' in the compose menu.",
  "Your message arrived as a multipart message with attachments or an extra\n"
  "MIME layer. On the list it is much easier for everybody when the text\n"
  "you want to discuss is inline in a single plain-text body: please paste\n"
  "the relevant part of logs or files into the message instead of\n"
  "attaching them." },
{ "attached-patch", LINT_ERROR,
  "patch sent as an attachment",
  "A patch must travel inline, as the body of the message. Reviewers\n"
  "comment by replying and quoting the lines they talk about, which an\n"
  "attachment makes impossible in most clients, and tools such as git am\n"
  "and b4 expect the patch in the body.\n"
  "How to fix:\n"
  "  Commit your change, then run git format-patch and send the result\n"
  "  with git send-email (--to the list, --cc the people named by\n"
  "  scripts/get_maintainer.pl). Never attach, never compress.\n"
  "  If you must use a GUI client, insert the patch as text without\n"
  "  wrapping (Thunderbird needs wrapping and flowed text disabled);\n"
  "  Gmail and Outlook web cannot send patches safely.",
  "The patch in your message was attached rather than placed inline. That\n"
  "makes it hard to review, because nobody can reply to individual lines,\n"
  "and the usual tools cannot apply it. Could you please resend it with\n"
  "git send-email (git format-patch, then git send-email --to the list\n"
  "--cc the maintainers)?" },
{ "disclaimer", LINT_ERROR,
  "confidentiality disclaimer in your own text",
  "A public list is the opposite of a confidential channel. A notice that\n"
  "claims the mail is confidential, or that only the addressee may read\n"
  "or use it, contradicts the archive it lands in; for a patch it even\n"
  "puts in doubt whether the code may be used at all, so many maintainers\n"
  "delete such mail unread. Banners like \"Internal Use\" raise the same\n"
  "doubt.\n"
  "How to fix:\n"
  "  Ask your IT department to exempt list mail from the footer, or send\n"
  "  from an address without it (many companies have a rule for open\n"
  "  source work). Remove classification banners before sending.\n"
  "  Footers added by a company mail server are invisible here: send a\n"
  "  test to yourself, or use b4 send --reflect, and check what arrives.",
  "Your message carries a confidentiality notice. On a public list that\n"
  "notice cannot be honoured, and for contributions it makes it unclear\n"
  "whether your work may be used, so maintainers usually have to ignore\n"
  "such mail. Please send from an account or server that does not add\n"
  "the footer (often your employer can exempt open-source mail)." },
{ "top-post", LINT_ERROR,
  "reply written above the quoted message (top-posting)",
  "On technical lists a reply goes below the part of the message it\n"
  "answers, with everything else cut. Read top to bottom, the thread then\n"
  "makes sense on its own, also in the archive, and each point can be\n"
  "answered where it was raised.\n"
  "How to fix:\n"
  "  Move your text under the quoted lines it answers and delete the rest\n"
  "  of the quote, including the old signature.\n"
  "  Thunderbird: Account Settings > Composition & Addressing, \"start my\n"
  "    reply below the quote\".\n"
  "  Outlook and Gmail put the cursor above the quote: move down first,\n"
  "    and in Outlook use \"Prefix each line of the original message\".\n"
  "  mutt: the editor starts with the quote; write between its lines.",
  "You wrote your reply above the quoted message. On this list people\n"
  "answer below the lines they respond to and cut everything else, so the\n"
  "discussion reads in order in the archive. Next time please put your\n"
  "comments under the relevant quoted lines and remove the rest." },
{ "untrimmed-quote", LINT_ERROR,
  "quoted text left untrimmed",
  "Quote only what you answer. Long quotes that nobody replies to make\n"
  "readers scroll page after page to find a single new line, bloat every\n"
  "copy in every subscriber's mailbox and in the archives, and hide the\n"
  "point of the reply.\n"
  "How to fix:\n"
  "  Before sending, delete every quoted paragraph you do not answer,\n"
  "  the quoted signature and list footer, and anything after your last\n"
  "  comment. Keep the attribution line (\"On ... wrote:\") so readers\n"
  "  know who said what.\n"
  "  In mutt/vim: dG from the first unneeded line deletes to the end.\n"
  "  In Thunderbird, Outlook and Gmail: select and delete the quote tail.",
  "Your reply keeps a large part of the earlier message that it does not\n"
  "answer. Please trim quotes to the lines you actually respond to: it\n"
  "spares every reader a lot of scrolling and keeps the archive readable." },
{ "long-lines", LINT_ERROR,
  "text line longer than 80 columns",
  "Mail is read in 80-column terminals and quoted with \"> \" on every\n"
  "reply; unwrapped paragraphs become one long line that wraps badly or\n"
  "scrolls sideways. Wrap prose at about 72 to 78 columns. Patches,\n"
  "quotes, URLs and logs are left alone.\n"
  "How to fix:\n"
  "  mutt: let the editor wrap (vim: set textwidth=72) and keep\n"
  "    `set text_flowed=no`.\n"
  "  Thunderbird: Account Settings > Composition & Addressing, plain text,\n"
  "    and Config Editor mailnews.wraplength = 72.\n"
  "  Gmail (plain text mode) and Outlook (Plain Text) wrap at about 76.\n"
  "  Commit messages: wrap at 75 columns before git format-patch.",
  "Some lines of your message are longer than 80 columns, which makes it\n"
  "hard to read and to quote in the usual terminal-based mail readers.\n"
  "Please wrap your text at about 72 columns (your mail client or editor\n"
  "can do this for you)." },
{ "private", LINT_ERROR,
  "no mailing list among the recipients",
  "Patches and technical questions belong on the list, with the\n"
  "maintainers in Cc. Private mail reaches one busy person, helps nobody\n"
  "else, and leaves no archive for the next person with the same problem;\n"
  "many maintainers do not answer it at all.\n"
  "How to fix:\n"
  "  Find the lists and people with scripts/get_maintainer.pl on your\n"
  "  patch, then send with git send-email --to LIST --cc MAINTAINER.\n"
  "  When replying, use reply-to-all (mutt: g, Thunderbird/Outlook:\n"
  "  Reply All, Gmail: Reply all).\n"
  "  Sending to yourself for a test is fine and not reported.",
  "Your message went to individuals only, without the mailing list. Please\n"
  "resend it to the list with the maintainers in Cc, so that others can\n"
  "review it, learn from the answer and find it in the archive later." },
{ "cc-trimmed", LINT_WARNING,
  "recipients of the message you answer were dropped",
  "On development lists a reply goes to everybody: the list and every\n"
  "person in To and Cc of the message you answer. People filter their\n"
  "mail on being addressed, and quietly dropping someone (or the list)\n"
  "takes them out of a discussion about their own work.\n"
  "How to fix:\n"
  "  Use reply-to-all and leave the recipients alone (mutt: g and keep\n"
  "  honor_followup_to; Thunderbird/Outlook: Reply All; Gmail: Reply\n"
  "  all). If the parent had Mail-Followup-To, that is the set to use.",
  "Your reply left out some recipients of the message you answered. On\n"
  "this list the custom is to reply to all, so that everyone involved\n"
  "keeps following the discussion; please keep the full Cc list next\n"
  "time." },
{ "code-link", LINT_OFF,
  "link to a web code viewer instead of a file and function",
  "Links to code browsers (elixir, git web views, GitHub blob pages) break\n"
  "or drift as the code changes, and cannot be read offline. Readers have\n"
  "the source tree at hand: name the file and function, and for commits\n"
  "use the kernel form: commit 0123456789ab (\"subject line\").\n"
  "Links to lore.kernel.org messages are fine. The rule is off unless\n"
  "you turn it on (lint_rule code-link warning).\n"
  "How to fix:\n"
  "  Write \"kernel/sched/core.c: __schedule()\" instead of a viewer URL,\n"
  "  and get commit references with\n"
  "  git log -1 --format='%h (\"%s\")' --abbrev=12 COMMIT.",
  "You pointed to the code with a link to a web viewer. Such links go\n"
  "stale quickly; it is more useful to name the file and the function (or,\n"
  "for a commit, its 12-character id and subject line)." },
{ "line-over-998", LINT_ERROR,
  "line longer than 998 bytes on the wire",
  "The mail standard allows at most 998 bytes per line. A part sent\n"
  "as plain 7bit or 8bit text with a longer line is refused by some\n"
  "servers (\"line too long\") and cut at an arbitrary point by others;\n"
  "in a patch that cut makes the hunk fail to apply. Encoded parts\n"
  "(quoted-printable, base64) are fine: they are rewrapped on the wire.\n"
  "How to fix:\n"
  "  Wrap the text, or let the client pick quoted-printable for this part\n"
  "  (git send-email --transfer-encoding=auto, its default, does so;\n"
  "  do not force 8bit). For generated data, send a link to a branch.",
  "Your message has a line longer than mail servers allow; some of them\n"
  "will refuse it or cut the line, which breaks patches. Please wrap it or\n"
  "let your client encode the message." },
{ "format-flowed-patch", LINT_ERROR,
  "patch sent with format=flowed",
  "With format=flowed, a line that ends in a space is a soft break that\n"
  "the reader's client may join with the next line, and a leading space\n"
  "is stuffing that it removes. Diff context lines are exactly such\n"
  "lines (a blank context line is a single space), so the patch that\n"
  "arrives is not the one you made, and git am refuses it.\n"
  "How to fix:\n"
  "  Send patches with git send-email. In Thunderbird set\n"
  "  mailnews.send_plaintext_flowed to false (Config Editor); in mutt\n"
  "  keep `set text_flowed=no`. Gmail and Outlook cannot turn it off\n"
  "  reliably: do not send patches from them.",
  "Your patch was sent as format=flowed text, which lets mail programs\n"
  "re-wrap lines and damage the patch. Please resend it with git\n"
  "send-email, or turn off flowed text in your client." },
{ "patch-corrupted", LINT_ERROR,
  "patch is damaged (wrapped or mangled lines)",
  "Inside a diff hunk every line starts with '+', '-' or a space, and\n"
  "the hunk header says how many there are. Here that no longer holds:\n"
  "the client probably wrapped long lines, removed leading spaces or\n"
  "converted tabs. Such a patch does not apply.\n"
  "How to fix:\n"
  "  Regenerate with git format-patch and send with git send-email; do\n"
  "  not paste patches into Gmail or Outlook. Check by mailing it to\n"
  "  yourself and running git am on what arrives.",
  "The patch in your message seems to have been damaged on the way (long\n"
  "lines wrapped or whitespace changed), so it cannot be applied. Please\n"
  "regenerate it with git format-patch and send it with git send-email." },
{ "message-too-large", LINT_WARNING,
  "message larger than some lists accept",
  "For years vger.kernel.org refused mail of more than 100000 bytes, and\n"
  "mailman lists usually hold big messages for a moderator who may never\n"
  "look. Since vger moved to new list software, much larger messages are\n"
  "delivered, so this is a warning: the limit (lint_max_size) and the\n"
  "severity (lint_rule message-too-large error) are yours to set for a\n"
  "list known to refuse. Very large patches are hard to review in one\n"
  "piece either way, so splitting them helps the reviewers too.\n"
  "How to fix:\n"
  "  Split the change into a series of smaller, self-contained patches\n"
  "  (git rebase -i, then git format-patch). For generated files,\n"
  "  firmware or translations, send the script or a summary and point to\n"
  "  a git branch that holds the bulk.",
  "Your message is larger than some lists accept, so it may not have\n"
  "reached everyone. If you can, please split it into smaller patches or\n"
  "point to a git branch for the bulky part." },
{ "encrypted", LINT_ERROR,
  "encrypted message sent to a list",
  "A list cannot decrypt mail: subscribers and the archive get an\n"
  "unreadable blob, so nobody can read or answer the message. Encryption\n"
  "is for private mail; a signature (PGP/MIME) is fine on most lists.\n"
  "Some providers encrypt on their own when they know a key for one of\n"
  "the recipients.\n"
  "How to fix:\n"
  "  Turn encryption off for list addresses (Proton Mail: external\n"
  "  encryption off for the list; Thunderbird OpenPGP: untick \"Require\n"
  "  encryption\" for this message; mutt: unset crypt_autoencrypt and\n"
  "  crypt_opportunistic_encrypt for list mail).",
  "Your message to the list was encrypted, so nobody on the list can read\n"
  "it. Please send it again without encryption." },
{ "quoted-disclaimer", LINT_WARNING,
  "someone else's disclaimer left in the quote",
  "The quote still contains the confidentiality footer of the message\n"
  "you answer. It is not your text and nobody holds it against you, but\n"
  "it adds nothing to the discussion, makes the reply longer, and carries\n"
  "the notice into one more copy in the archive.\n"
  "How to fix:\n"
  "  Delete it while trimming the quote, together with the signature of\n"
  "  the previous writer. In mutt or vim, dap on the quoted paragraph;\n"
  "  in other clients select the lines and delete them.",
  "Your reply still quotes the disclaimer footer of the earlier message;\n"
  "please trim it along with the rest of the unneeded quote." },
{ "commit-log-long-line", LINT_WARNING,
  "commit message line longer than 75 columns",
  "git log indents the commit message by four columns, so message lines\n"
  "are kept to 75 columns to stay readable in an 80-column terminal.\n"
  "Tags such as Fixes: and Link: are never wrapped and are exempt.\n"
  "How to fix:\n"
  "  git commit --amend (or git rebase -i with reword), wrap the text,\n"
  "  then run git format-patch again. vim: set textwidth=72 for\n"
  "  gitcommit files.",
  "The commit message of your patch has lines longer than 75 columns.\n"
  "Please re-wrap it (git commit --amend) before sending the next\n"
  "version." },
{ "charset", LINT_WARNING,
  "body is not clean UTF-8 or ASCII text",
  "Lists and the tools around them expect ASCII or UTF-8. Other charsets\n"
  "(ISO-2022-JP, Windows code pages, UTF-7 from Outlook) are shown\n"
  "garbled to some readers and make patches unappliable. A carriage\n"
  "return inside a line (detail bare-cr) is the same kind of damage: a\n"
  "Windows editor or a copy from a terminal left line endings that\n"
  "patch tools and some readers take as part of the text.\n"
  "How to fix:\n"
  "  bare-cr: save the file with Unix line endings (dos2unix, or your\n"
  "  editor's line-ending setting) before sending.\n"
  "  Current Thunderbird always sends UTF-8 (older versions: Fonts >\n"
  "  Advanced, outgoing text encoding). Outlook: File > Options > Advanced\n"
  "  > International options, encode outgoing mail as Unicode (UTF-8).\n"
  "  mutt: set send_charset=\"us-ascii:utf-8\".",
  "Your message used a character set other than UTF-8, which shows up\n"
  "garbled for some readers. Please set your mail client to send UTF-8." },
{ "missing-threading", LINT_WARNING,
  "reply without In-Reply-To/References headers",
  "Threads are built from In-Reply-To and References. Without them your\n"
  "reply starts a new thread and readers lose the context; archives such\n"
  "as lore.kernel.org cannot link it either.\n"
  "How to fix:\n"
  "  Reply with the reply button of your client instead of writing a new\n"
  "  message with \"Re:\" typed in. For git send-email use\n"
  "  --in-reply-to=MESSAGE-ID.",
  "Your message looks like a reply but lacks the headers that tie it to\n"
  "the thread, so it shows up on its own. Please use your client's reply\n"
  "function (or git send-email --in-reply-to)." },
{ "series-too-long", LINT_WARNING,
  "patch series of more than 15 patches",
  "vger asks for no more than 15 patches at a time: a long series floods\n"
  "every subscriber's mailbox at once, and reviewers rarely get through\n"
  "it before the next version arrives. Smaller series are reviewed and\n"
  "merged faster.\n"
  "How to fix:\n"
  "  Send the first, self-contained part of the series; send the rest\n"
  "  once it is merged. Mention the whole plan in the cover letter and\n"
  "  point to a git branch that holds every patch.",
  "Your series has more than 15 patches, more than most reviewers can\n"
  "take in at once. Please consider splitting it into smaller, self-\n"
  "contained series." },
{ "no-new-text", LINT_ERROR,
  "reply with no new text, only quotes",
  "The message consists of quoted text only: nothing new was written.\n"
  "Usually the send key was pressed by accident, or the answer was typed\n"
  "into a part of the message that was lost. Everybody on the list gets\n"
  "a copy of text they have already read.\n"
  "How to fix:\n"
  "  Write your answer below the relevant quoted lines, trim the rest,\n"
  "  and send again; if there was nothing to say, do not send. mutt\n"
  "  drops a reply you did not edit when abort_unmodified is yes.",
  "Your message only contains quoted text and no reply of your own; it\n"
  "was probably sent by accident." },
{ "quoted-signature", LINT_WARNING,
  "quoted signature or list footer left in the reply",
  "The quote still contains the previous writer's signature (after the\n"
  "\"-- \" line) or the footer the list adds to every message. Nobody\n"
  "replies to those, and they make every reply longer for all readers.\n"
  "How to fix:\n"
  "  Delete them while trimming the quote. Thunderbird and many other\n"
  "  clients leave the signature out of the quote on their own when it\n"
  "  starts with \"-- \"; in mutt or vim, delete from the quoted \"> -- \"\n"
  "  line to the end of the quote.",
  "Your reply still quotes the signature or list footer of the earlier\n"
  "message; please trim those lines next time." },
};

#define NRULES (sizeof rules / sizeof rules[0])

size_t lint_rule_count(void)
{
	return NRULES;
}

const struct lint_rule_info *lint_rule_at(size_t i)
{
	return i < NRULES ? &rules[i] : NULL;
}

const struct lint_rule_info *lint_rule_find(const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < NRULES; i++)
		if (strcmp(rules[i].id, id) == 0)
			return &rules[i];
	return NULL;
}

static const char *const sev_names[] = { "off", "info", "warning", "error" };

const char *lint_severity_name(enum lint_severity s)
{
	if ((unsigned)s < sizeof sev_names / sizeof sev_names[0])
		return sev_names[s];
	return "unknown";
}

/* Accepts the canonical names and "warn", as people write in configs. */
int lint_severity_parse(const char *s, enum lint_severity *out)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof sev_names / sizeof sev_names[0]; i++) {
		if (strcmp(s, sev_names[i]) == 0) {
			*out = (enum lint_severity)i;
			return 0;
		}
	}
	if (strcmp(s, "warn") == 0) {
		*out = LINT_WARNING;
		return 0;
	}
	return -1;
}
