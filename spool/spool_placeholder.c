/* Placeholder so the library has a source until its real files land; delete it then. */
typedef int outpost_spool_placeholder_t;
