/*
 * doctor.h: aliasctl doctor, the live Postfix configuration checked
 * against the alias file (see cli.h for the handlers' contract).  Each
 * check has one stable name, used in the output, in --json and in
 * aliasctl(8).
 */
#ifndef DOCTOR_H
#define DOCTOR_H

#include "cli.h"

/*
 * doctor [--postfix-config DIR] [--milter-socket SOCKET] [--json]
 * [--dns [--nameserver HOST[:PORT]]... [--timeout SECONDS]]
 */
int	cmd_doctor(const struct options *, int argc, char **argv);

#endif /* DOCTOR_H */
