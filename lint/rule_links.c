#include "lint/lint_int.h"
void rule_links_run(struct lint_msg *m) { (void)m; }
