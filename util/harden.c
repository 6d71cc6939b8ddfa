/*
 * Process hardening for the binary that handles secrets (outpost-deliver):
 * no core dumps and no ptrace/proc access by other processes of the user,
 * set before any password is read, so a crash during AUTH dumps nothing.
 */
#include "util/harden.h"

#include <sys/prctl.h>
#include <sys/resource.h>

int harden_no_dumps(struct op_err *e)
{
	struct rlimit rl = { 0, 0 };

	/* Both: not dumpable also keeps other processes of the user out of
	 * our memory (ptrace, /proc/<pid>/mem); RLIMIT_CORE 0 is inherited
	 * by what we start (password_command). */
	if (setrlimit(RLIMIT_CORE, &rl) < 0)
		return op_errnof(e, OP_SOFTWARE, "cannot turn core dumps off "
		    "(setrlimit)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return op_errnof(e, OP_SOFTWARE, "cannot turn core dumps off "
		    "(prctl PR_SET_DUMPABLE)");
	return 0;
}
