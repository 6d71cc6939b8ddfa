#!/bin/bash
# Fail when a C source uses a banned function (STYLE.md: no ad-hoc parsing
# or unbounded copies).  snprintf/vsnprintf are allowed; word boundaries
# keep names like my_strcpy_safe or fgets out of the match.
set -euo pipefail

cd "$(dirname "$0")/.."

pattern='\b(sscanf|atoi|atol|strtok|strcpy|strcat|sprintf|vsprintf)\b|\bgets[[:space:]]*\('
# Tracked and new (not ignored) files; comment lines may name the functions.
files() {
	git ls-files --cached --others --exclude-standard -- '*.c' '*.h' |
		grep -v '^build' || true
}
hits=$(files | xargs -r grep -HnE "$pattern" -- |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*([[:space:]/]|$)|//)' ||
	true)

if [ -n "$hits" ]; then
	echo "check-banned: banned functions found:" >&2
	echo "$hits" >&2
	exit 1
fi
echo "check-banned: ok ($(files | wc -l) files)"
