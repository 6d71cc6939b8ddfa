/* Entry points of the `outpost` subcommands; each returns an exit code. */
#ifndef OUTPOST_CMD_H
#define OUTPOST_CMD_H

int cmd_sendmail(int argc, char **argv);
int cmd_mailq(int argc, char **argv);
int cmd_lint(int argc, char **argv);

#endif
