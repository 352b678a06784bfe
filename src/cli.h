/*
 * cli.h: what aliasctl's commands share: the global options, the one
 * option reader, loading the alias file, finding the map, printing.
 * Each command handler (cmd_*, in cli.c, report.c, edit.c and import.c)
 * takes the global options and its own argv (argv[0] is the command's
 * name) and returns a sysexits code; only main() exits.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>

#include "aliasfile.h"
#include "compile.h"

#define DEFAULT_FILE	"/etc/aliasctl/aliases.yaml"

struct options {
	const char *file;	/* -f, $ALIASCTL_FILE or DEFAULT_FILE */
	const char *mapbase;	/* -m, or NULL: derived from the file */
	const char *stats;	/* -S, or NULL: the daemons' default files */
};

/* Prints the usage text to stderr.  Returns EX_USAGE. */
int	cli_usage(void);
/* Prints the usage text to stdout (-h, help).  Returns cli_flush(). */
int	cli_usage_stdout(void);
/*
 * Prints the entry of the usage text for command name (its line and
 * the indented lines that follow).  Returns cli_flush().
 */
int	cli_help(const char *name);
/* Returns 0, or EX_IOERR (said why) when stdout could not be written. */
int	cli_flush(void);

/*
 * The one option reader of every command.  A command lists its options
 * in a table ended by {NULL, NULL}; a long option takes its value as
 * "--name VALUE" or "--name=VALUE" alike.
 */
struct cli_opt {
	const char *name;	/* "--note", "-v" */
	const char *value;	/* what the value is ("a value", "a number")
				   for messages, or NULL: a flag */
};

/* The arguments of one command, argv[0] its name. */
struct cli_args {
	int	 argc;
	char	**argv;
	int	 i;		/* the next to read */
	int	 operands;	/* after "--": operands only */
};

#define CLI_DONE	(-1)	/* no argument left */
#define CLI_OPERAND	(-2)	/* an operand, in *val */
#define CLI_BAD		(-3)	/* a bad argument: said why */

void	cli_args_init(struct cli_args *, int argc, char **argv);
/*
 * Reads the next argument: an option of opts returns its index in opts,
 * with its value in *val (NULL for a flag).  An argument that does not
 * start with "-", "-" itself and whatever follows "--" are operands.
 * Returns CLI_DONE after the last argument, and CLI_BAD after saying
 * "CMD: unknown argument 'X'", "CMD: --name needs a value" or
 * "CMD: --flag takes no value".
 */
int	cli_next(struct cli_args *, const struct cli_opt *opts,
	    const char **val);

/*
 * For a command without arguments: returns 0, or -1 after saying what
 * argv holds that it should not.
 */
int	cli_no_args(int argc, char **argv);
/*
 * Normalises the alias address arg into buf (ADDR_BUF bytes).  Returns
 * 0, or EX_USAGE (said why) when it is not an address.
 */
int	cli_address(const char *arg, char *buf);
/* Returns 0 when s is a date YYYY-MM-DD, else EX_USAGE (said why). */
int	cli_date(const char *opt, const char *s);

/*
 * Loads o->file, printing every diagnostic.  Returns 0 with the file in
 * *afp (free with af_free()), or the sysexits code of the failure.  As
 * root, only a file no one else can change is loaded.
 */
int	cli_load(const struct options *o, struct aliasfile **afp);
/*
 * cli_load() of path, with messages about it shown as about o->file
 * (path is an edited copy of it), and without the ownership check.
 */
int	cli_load_as(const struct options *o, const char *path,
	    struct aliasfile **afp);
/*
 * Returns 0 when root may trust the alias file at path, else EX_CONFIG
 * (said why): it or its directory (unless sticky) is group or world
 * writable.  A file that cannot be stat()ed is left to the load.
 */
int	cli_file_trusted(const char *path);
/*
 * The map base path into buf: -m, else the file's map: key (map, NULL
 * when none; relative to the file's directory), else the file's path
 * without .yaml or .yml.  Returns 0, or EX_CONFIG when it does not fit.
 */
int	cli_map_base(const struct options *o, const char *map, char *buf,
	    size_t bufsize);
/*
 * Logs why compile_map() or update_publish() failed with rc (the reason
 * in e) and what it left in the map files at base.  Returns 0 when the
 * new files are in use (COMPILE_UNSYNCED), else the exit code.
 */
struct errbuf;
int	cli_map_failed(const char *base, int rc, const struct errbuf *e);
/* Prints "N domains, N active, N revoked, N expired". */
void	cli_print_counts(const struct policy_counts *);

/* check: validate the alias file and print a summary. */
int	cmd_check(const struct options *, int argc, char **argv);
/* compile: validate, then write MAP.lmdb and MAP.policy.lmdb. */
int	cmd_compile(const struct options *, int argc, char **argv);

#endif /* CLI_H */
