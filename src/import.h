/*
 * import.h: aliasctl import, which proposes aliases from a catch-all
 * mail log or a virtual(5) file (see cli.h for the handlers' contract).
 */
#ifndef IMPORT_H
#define IMPORT_H

#include "cli.h"

/* import --maillog LOG [--since DATE] | --virtual FILE [--apply] */
int	cmd_import(const struct options *, int argc, char **argv);

#endif /* IMPORT_H */
