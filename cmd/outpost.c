/* Stub dispatcher until the submit work lands. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "sendmail") == 0)
		return cmd_sendmail(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "mailq") == 0)
		return cmd_mailq(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "lint") == 0)
		return cmd_lint(argc - 1, argv + 1);
	fprintf(stderr, "usage: outpost sendmail|mailq|lint ...\n");
	return EX_USAGE;
}
