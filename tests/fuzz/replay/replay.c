/*
 * Replays fuzz inputs through a target's LLVMFuzzerTestOneInput without
 * libFuzzer, so the seeds and every crash reproducer kept under
 * tests/fuzz/seeds/ run in each ordinary (and sanitizer) test build.
 * Arguments: files or directories (one level) of inputs.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util/fsio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX (64u << 20)

static int replay_file(const char *path)
{
	char *buf;
	size_t len;

	if (read_file_max(AT_FDCWD, path, REPLAY_MAX, &buf,
	    &len) < 0) {
		perror(path);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	return 0;
}

static int replay_dir(const char *dir, unsigned *count)
{
	struct dirent **names;
	char path[4096];
	int n, i, rc = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		perror(dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct stat st;
		int w = snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]->d_name);

		if (w > 0 && (size_t)w < sizeof(path) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			rc |= replay_file(path);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			rc |= replay_dir(argv[i], &count);
		} else {
			rc |= replay_file(argv[i]);
			count++;
		}
	}
	printf("replayed %u input(s)\n", count);
	return rc != 0 || count == 0 ? 1 : 0;
}
