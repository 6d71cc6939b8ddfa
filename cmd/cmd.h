/* Entry points of the `outpost` subcommands; each returns an exit code. */
#ifndef OUTPOST_CMD_H
#define OUTPOST_CMD_H

int cmd_sendmail(int argc, char **argv);
int cmd_mailq(int argc, char **argv);
int cmd_lint(int argc, char **argv);
/* Queue control (cmd_qctl.c); argv[0] is the verb. */
int cmd_hold(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_requeue(int argc, char **argv);
int cmd_delete(int argc, char **argv);
/* `outpost log [-f] [-n N]` (cmd_log.c). */
int cmd_log(int argc, char **argv);

#endif
