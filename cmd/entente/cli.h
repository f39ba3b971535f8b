/*
 * cli.h — what the entente front end's commands share: the command table,
 * exit codes, opening the node, and printing. No protocol or storage logic
 * lives in cmd/; it all goes through libentente.
 */
#ifndef ENTENTE_CLI_H
#define ENTENTE_CLI_H

#include <stdint.h>
#include <time.h>

#include "entente/import.h"
#include "entente/indicator.h"
#include "entente/node.h"
#include "entente/peer.h"
#include "entente/store.h"
#include "entente/warninglist.h"

/* Exit codes: 0 done (or: yes), 1 a negative answer (not held, refused),
 * 2 an error, including a usage error. */
enum { EXIT_OK = 0, EXIT_NO = 1, EXIT_ERR = 2 };

typedef struct cli {
	const char *home_opt;       /* --home, or NULL */
	char home[ENT_PATH_MAX];    /* resolved */
	ent_node *node;
	ent_store *store;
} cli;

typedef struct command {
	const char *name;
	int (*run)(cli *c, int argc, char **argv);
	const char *summary;
	const char *usage;          /* printed by --help */
} command;

/* Prints "entente: " + the message to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the message and a hint to run --help; returns EXIT_ERR. */
int cli_usage(const command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints the command's usage to stdout; returns EXIT_OK. */
int cli_help(const command *cmd);

/* Opens the node and its store into c; on failure prints why and returns
 * EXIT_ERR. */
int cli_open(cli *c);
void cli_close(cli *c);

/* Shared parsing of provenance options. Each returns EXIT_OK or prints
 * and returns EXIT_ERR. */
int cli_parse_tlp(const char *s, ent_tlp *out);
int cli_parse_type(const char *s, ent_type *out);
int cli_parse_confidence(const char *s, int *out);
int cli_parse_date(const char *s, int64_t *out);

/* A whole number from min to max for option `what` of cmd; EXIT_OK, or a
 * usage message and EXIT_ERR. */
int cli_parse_number(const command *cmd, const char *what, const char *s,
    long min, long max, int *out);

/* Provenance options shared by add and import. */
typedef struct cli_prov {
	ent_meta meta;
	const char *tags[ENT_TAGS_MAX];
	int tlp_given;
} cli_prov;

#define CLI_PROV_OPTIONS \
	{ "source", required_argument, NULL, 's' }, \
	{ "tlp", required_argument, NULL, 'T' }, \
	{ "tag", required_argument, NULL, 'g' }, \
	{ "confidence", required_argument, NULL, 'c' }, \
	{ "valid-until", required_argument, NULL, 'u' }, \
	{ "allow-warninglisted", no_argument, NULL, 'W' }

/* Sets the defaults (TLP amber, no confidence). */
void cli_prov_init(cli_prov *p);

/* Handles one getopt result from CLI_PROV_OPTIONS: returns 1 if it was one
 * of them (and *err is set to EXIT_ERR when its argument was bad), 0 if
 * not. */
int cli_prov_option(cli_prov *p, int opt, const char *arg, int *err);

/* "2026-11-27T13:42:54Z" into buf (21 bytes). */
const char *cli_time(int64_t t, char buf[static 21]);

/* Looks up the command table. */
const command *cli_command(const char *name);

/* The commands, one file each in cmd/entente/. */
int cmd_init(cli *, int, char **);
int cmd_id(cli *, int, char **);
int cmd_add(cli *, int, char **);
int cmd_import(cli *, int, char **);
int cmd_list(cli *, int, char **);
int cmd_stats(cli *, int, char **);
int cmd_check(cli *, int, char **);
int cmd_revoke(cli *, int, char **);
int cmd_peer(cli *, int, char **);
int cmd_serve(cli *, int, char **);
int cmd_match(cli *, int, char **);
int cmd_matches(cli *, int, char **);
int cmd_withdraw(cli *, int, char **);
int cmd_log(cli *, int, char **);
int cmd_scan(cli *, int, char **);
int cmd_export(cli *, int, char **);
int cmd_warninglist(cli *, int, char **);

#endif
