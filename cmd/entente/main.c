/*
 * main.c — the entente command: global options, then one command from the
 * table below, each in its own file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define VERSION "0.1.0"

static const command commands[] = {
	{ "init", cmd_init, "create a node: its home, key and store",
	  "usage: entente [--home DIR] init --name NAME\n"
	  "\n"
	  "Creates the node home (mode 0700), an Ed25519 node key (0600) and\n"
	  "the indicator store, and prints the node identity, a C2SP verifier\n"
	  "key NAME+hex8+base64. Refuses, changing nothing, if a node exists.\n"
	  "\n"
	  "  --name NAME   the node's name (no spaces or '+'), e.g. a domain\n" },
	{ "id", cmd_id, "print this node's identity (verifier key)",
	  "usage: entente [--home DIR] id\n"
	  "\n"
	  "Prints the node identity: the C2SP verifier key that peers pin.\n" },
	{ "add", cmd_add, "add indicators given on the command line",
	  "usage: entente add VALUE... [--type T] [--source S] [--tlp T]\n"
	  "                  [--tag T]... [--confidence N] [--valid-until DATE]\n"
	  "\n"
	  "Canonicalises and stores each value; if any value is invalid, says\n"
	  "why and stores none. The type is detected unless --type is given.\n"
	  "\n"
	  "  --type T          ipv4 ipv6 ipv4-net ipv6-net domain url email\n"
	  "                    md5 sha1 sha256\n"
	  "  --source S        provenance (default: local)\n"
	  "  --tlp T           clear green amber amber+strict red (default amber)\n"
	  "  --tag T           a tag; repeat for more\n"
	  "  --confidence N    0 to 100\n"
	  "  --valid-until D   YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ\n"
	  "  --allow-warninglisted  keep a value on a warninglist active\n"
	  "\n"
	  "A value on a warninglist (see 'entente warninglist') is stored with\n"
	  "the list's name and on hold: not matched with partners, not scanned\n"
	  "for, unless --allow-warninglisted.\n" },
	{ "import", cmd_import, "import indicators (STIX, MISP, Zeek, CSV, text)",
	  "usage: entente import [--format F] [--column NAME|N] [--type T]\n"
	  "                     [--source S] [--tlp T] [--tag T]... [--confidence N]\n"
	  "                     [--allow-warninglisted] [--misp-links] [--json]\n"
	  "                     FILE|DIR...|-\n"
	  "\n"
	  "Imports every input in one transaction: one that cannot be read as its\n"
	  "format leaves the store as it was, and the error names the file and\n"
	  "line. Values that are not indicators are skipped, counted and reported\n"
	  "with their line and reason; values on a warninglist are counted, named\n"
	  "and put on hold. A directory is its *.json files, or the events of the\n"
	  "MISP feed whose manifest.json it holds.\n"
	  "\n"
	  "  --format F      auto (default: from the content), or\n"
	  "                  stix  STIX 2.1 bundle: indicators (= and OR over\n"
	  "                        addresses, domains, URLs, e-mail, file hashes)\n"
	  "                        and observables, with TLP markings, labels,\n"
	  "                        confidence, valid_until, revoked, created_by_ref\n"
	  "                  misp  MISP event JSON or restSearch response\n"
	  "                  zeek  Zeek intel file (#fields header)\n"
	  "                  csv   RFC 4180; header and value column detected; a\n"
	  "                        tlp/handling and a confidence column are read\n"
	  "                  list  one value per line, '#' comments\n"
	  "                  text  any text: indicators found, refanged (hxxp, [.])\n"
	  "  --column C      CSV: the value column, a header name or 1-based number\n"
	  "  --source S      provenance (default: the input's own, else the file name)\n"
	  "  --tlp T         overrides the input's TLP (default amber)\n"
	  "  --misp-links    MISP: import 'link' attributes as URLs\n"
	  "  --allow-warninglisted  keep values on warninglists active\n"
	  "  --json          print the summary as one JSON object per file\n" },
	{ "list", cmd_list, "list indicators",
	  "usage: entente list [--type T] [--all] [--json]\n"
	  "\n"
	  "Lists active indicators (with --all, revoked and expired ones too).\n"
	  "  --json   one JSON object per line: type, value, sources, tlp,\n"
	  "           confidence, tags, first_seen, last_seen, valid_until,\n"
	  "           revoked\n" },
	{ "stats", cmd_stats, "count active indicators per type",
	  "usage: entente stats [--json]\n"
	  "\n"
	  "  --json   {\"indicators\": N, \"types\": {\"ipv4\": n, ...}}\n" },
	{ "check", cmd_check, "say whether this node holds values",
	  "usage: entente check VALUE... [--json]\n"
	  "\n"
	  "For each value: held or not, and what matched. A domain is held if\n"
	  "it or a parent domain is; an address or network if it or a network\n"
	  "containing it is; anything else if it is, after canonicalisation.\n"
	  "Exit status: 0 all held, 1 any not held, 2 error.\n"
	  "  --json   one JSON object per value: value, type, held, matches\n" },
	{ "peer", cmd_peer, "pin partners and set their policies",
	  "usage: entente peer add NAME VKEY HOST:PORT [--force]\n"
	  "       entente peer list [--json]\n"
	  "       entente peer remove NAME\n"
	  "       entente peer policy NAME [key=value...]\n"
	  "\n"
	  "A peer is pinned by its verifier key (what 'entente id' prints on\n"
	  "its node); a connection is accepted only with that key. Re-adding a\n"
	  "peer after a withdrawal needs --force. Policy keys (enforced when\n"
	  "the peer queries us, from what it sends):\n"
	  "  max-set=N        largest set per session (default 10000)\n"
	  "  daily-budget=N   elements per UTC day (default 50000)\n"
	  "  min-interval=S   seconds between sessions (default 60)\n"
	  "  modes=LIST       intersect,count (default both; or none)\n"
	  "  types=LIST       indicator types we put in a match (default all)\n"
	  "  tlp-max=T        highest TLP we put in a match (default green)\n" },
	{ "serve", cmd_serve, "answer partners' private matches",
	  "usage: entente serve [--listen HOST:PORT] [--max-sessions N]\n"
	  "                     [--timeout S] [--handshake-timeout S] [--threads N]\n"
	  "                     [--user NAME]\n"
	  "\n"
	  "Serves pinned peers over TLS 1.3 until SIGTERM or SIGINT, one log\n"
	  "line per session on standard error. After binding and loading the\n"
	  "key it confines itself: started as root it becomes --user (default:\n"
	  "the owner of the home; never root), then sets resource limits and a\n"
	  "seccomp allow-list (a forbidden system call kills it).\n"
	  "  --user NAME           the user to become when started as root\n"
	  "  --listen HOST:PORT    default 127.0.0.1:7400 (port 0: any)\n"
	  "  --max-sessions N      at once (default 16); more are turned away\n"
	  "  --timeout S           longest silence in a session (default 30)\n"
	  "  --handshake-timeout S the whole TLS handshake (default 10)\n" },
	{ "match", cmd_match, "privately match our indicators with a peer's",
	  "usage: entente match PEER [--count] [--type T]... [--tlp-max T]\n"
	  "                     [--mutual] [--json]\n"
	  "\n"
	  "Runs a private set intersection with PEER: we learn which of our\n"
	  "indicators they hold (with --count, only how many); they learn only\n"
	  "how many we sent. Only active, non-revoked indicators at or under\n"
	  "--tlp-max and our policy's tlp-max for PEER take part. Matches are\n"
	  "recorded as corroborations. --mutual lets PEER query us back in the\n"
	  "same session, under our policy for it.\n"
	  "  --json   {\"peer\",\"mode\",\"sent\",\"peer_set\",\"matches\"|\"count\"}\n"
	  "Exit status: 0 completed, 1 refused (the reason is printed), 2 error.\n" },
	{ "matches", cmd_matches, "list corroborations from past matches",
	  "usage: entente matches [--peer P] [--json]\n" },
	{ "withdraw", cmd_withdraw, "withdraw from a peer, on the record",
	  "usage: entente withdraw PEER [--reason TEXT]\n"
	  "\n"
	  "Records the withdrawal and sends PEER the signed statement if it can\n"
	  "be reached. From then on both sides refuse sessions with each other;\n"
	  "what was learnt stays.\n" },
	{ "log", cmd_log, "the joint record: checkpoints, proofs, verification",
	  "usage: entente log checkpoint [--cosigned]\n"
	  "       entente log show [--from N] [--json]\n"
	  "       entente log prove INDEX\n"
	  "       entente log verify\n"
	  "       entente log verify-proof FILE --key VKEY [--key VKEY]...\n"
	  "       entente log peers\n"
	  "\n"
	  "Every exchange is an entry of this node's append-only Merkle log\n"
	  "(RFC 9162); checkpoints are C2SP signed notes, cosigned by peers at\n"
	  "the end of each session (cosignature/v1).\n"
	  "  checkpoint    the newest signed checkpoint (--cosigned: with the\n"
	  "                peers' cosignatures)\n"
	  "  show          the entries (--json: index, data_base64, fields)\n"
	  "  prove         a c2sp.org/tlog-proof@v1 of an entry, offline-checkable\n"
	  "  verify        recheck every stored hash and checkpoint\n"
	  "  verify-proof  check a proof with the log's key, then witnesses'\n"
	  "  peers         per peer: cosigned sizes, and whether its log was\n"
	  "                ever inconsistent (evidence kept)\n" },
	{ "scan", cmd_scan, "the guard: find our indicators in logs",
	  "usage: entente scan [--format auto|zeek|zeek-json|bind|combined|cef|\n"
	  "                    csv|text] [--json] [--threads N] [--no-record]\n"
	  "                    FILE...|-\n"
	  "\n"
	  "Finds every active indicator in the logs, whole tokens only: an\n"
	  "address or any network holding it, a domain or any parent, a URL by\n"
	  "host suffix and path prefix, hashes, e-mail addresses. gzip is read\n"
	  "transparently. Readers name the field of each hit (Zeek TSV and\n"
	  "JSON, BIND query logs, Apache/nginx combined, CEF, CSV with a\n"
	  "header); text tokenises everything. Malformed lines are counted and\n"
	  "skipped; a binary file is refused unless --format text.\n"
	  "  --json       one object per hit: file, line, format, field, value,\n"
	  "               ts, indicator {type, value, sources, tlp,\n"
	  "               corroborated_by}\n"
	  "  --no-record  do not record sightings in the store\n"
	  "A summary goes to standard error. Exit status: 0 no hit, 1 hits,\n"
	  "2 error.\n" },
	{ "export", cmd_export, "export indicators (STIX, MISP, Zeek, Suricata, CSV)",
	  "usage: entente export --format F [--type T] [--tlp-max T] [-o PATH]\n"
	  "\n"
	  "Writes the active indicators (never revoked, expired or on-hold ones,\n"
	  "nor any above --tlp-max) for the tools that load them.\n"
	  "\n"
	  "  --format F     stix      STIX 2.1 bundle of indicators\n"
	  "                 misp      MISP event JSON\n"
	  "                 zeek      Zeek intel file\n"
	  "                 suricata  Suricata datasets, one file per type in the\n"
	  "                           directory -o (string sets base64-encoded)\n"
	  "                 iprep     Suricata IP reputation: categories.txt and\n"
	  "                           entente.list in the directory -o\n"
	  "                 csv       type,value,tlp,confidence,sources,tags\n"
	  "                 list      one value per line\n"
	  "  --type T       only this type\n"
	  "  --tlp-max T    only indicators at or below this TLP (default: red)\n"
	  "  -o PATH        the file (default: standard output), or the\n"
	  "                 directory for suricata and iprep\n" },
	{ "warninglist", cmd_warninglist, "manage warninglists (known-benign values)",
	  "usage: entente warninglist list [--json]\n"
	  "       entente warninglist import [--name NAME] [--allow-warninglisted] PATH...\n"
	  "       entente warninglist remove NAME...\n"
	  "\n"
	  "MISP warninglists (list.json of type cidr, string, hostname, substring\n"
	  "or regex). A PATH is a list.json, a directory holding one, or a\n"
	  "directory of such directories (misp-warninglists/lists); a list is\n"
	  "named after its directory unless --name. New stores hold the built-in\n"
	  "lists (RFC 1918, RFC 5735, RFC 6598, multicast, public DNS resolvers,\n"
	  "Google, empty-file hashes). After a change, stored indicators are\n"
	  "flagged anew: newly flagged ones are put on hold (unless\n"
	  "--allow-warninglisted), ones no list names any more are released.\n" },
	{ "revoke", cmd_revoke, "revoke indicators (kept, never shared or matched)",
	  "usage: entente revoke VALUE...\n"
	  "\n"
	  "Marks each indicator revoked. Exit status 1 if any was not held.\n" },
};

const command *
cli_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: entente [--home DIR] COMMAND [ARGS...]\n"
	    "\n"
	    "Entente keeps threat indicators, matches them privately with\n"
	    "partners and guards logs. Commands:\n\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n"
	    "Global options (before the command):\n"
	    "  --home DIR   the node's home (default: $ENTENTE_HOME, else\n"
	    "               ~/.entente)\n"
	    "  --help       this text; 'entente COMMAND --help' for a command\n"
	    "  --version    the version\n"
	    "\n"
	    "Exit status: 0 done, 1 a negative answer, 2 an error.\n"
	    "See entente(1).\n");
}

int
main(int argc, char **argv)
{
	cli c;
	const command *cmd;
	ent_msg msg;
	int i = 1, ret;

	memset(&c, 0, sizeof c);
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--home") == 0) {
			if (i + 1 >= argc) {
				cli_warn("--home needs a directory");
				return EXIT_ERR;
			}
			c.home_opt = argv[++i];
		} else if (strncmp(a, "--home=", 7) == 0) {
			c.home_opt = a + 7;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("entente %s\n", VERSION);
			return EXIT_OK;
		} else {
			cli_warn("unknown option '%s' (global options come before "
			    "the command; see 'entente --help')", a);
			return EXIT_ERR;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_ERR;
	}
	cmd = cli_command(argv[i]);
	if (cmd == NULL) {
		cli_warn("unknown command '%s'; see 'entente --help'", argv[i]);
		return EXIT_ERR;
	}
	if (ent_init(&msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	if (ent_home_resolve(c.home_opt, c.home, sizeof c.home, &msg) !=
	    ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	for (int j = i + 1; j < argc; j++) {
		if (strcmp(argv[j], "--") == 0)
			break;
		if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0)
			return cli_help(cmd);
	}
	optind = 0;	/* glibc: start getopt afresh on the command's argv */
	ret = cmd->run(&c, argc - i, argv + i);
	cli_close(&c);
	if (fflush(stdout) != 0 && ret == EXIT_OK) {
		cli_warn("cannot write the output");
		ret = EXIT_ERR;
	}
	return ret;
}

