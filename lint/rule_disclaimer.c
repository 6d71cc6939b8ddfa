#include "lint/lint_int.h"
void rule_disclaimer_run(struct lint_msg *m) { (void)m; }
