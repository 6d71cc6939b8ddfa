/*
 * Is a file (or directory) safe to trust with our mail and secrets?  Its
 * owner and the owner of every directory above it must be us or root, and
 * none of them may be writable by group or others (a directory that is:
 * only with the sticky bit, like /tmp).  Otherwise someone else could swap
 * the file (a CA bundle, a password command, the spool) under us.
 */
#ifndef OUTPOST_PATH_TRUST_H
#define OUTPOST_PATH_TRUST_H

#include <stddef.h>

/* 0 when trusted; -1 with "what PATH: why; what to do" in why.  The path
 * is resolved first (symlinks included), so the file actually used is
 * judged together with every directory on its real path.  `what` names
 * the setting ("tls_ca_file").  With `dirs_only` the last component is
 * not judged itself (the caller checks it in its own way). */
int path_trusted(const char *path, const char *what, int dirs_only,
    char *why, size_t whylen);

#endif
