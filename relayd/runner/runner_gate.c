/*
 * The gate of the runner: may this message go now, or is it held and why?
 * A message held by hand (outpost hold) never goes, not even with flush;
 * it is not "due" either, so relayd does not wake up for it.  Kept apart
 * from the send path so the send path can change without touching it.
 */
#include "relayd/runner/runner_int.h"

int runner_gate_held(const struct envelope *env)
{
	return env->held[0] != '\0';
}
