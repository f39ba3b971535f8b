/* cmd_serve.c — entente serve: answer partners' sessions until signalled. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "entente/sandbox.h"
#include "entente/session.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
log_line(const char *line, void *ctx)
{
	char t[21];

	(void)ctx;
	fprintf(stderr, "%s %s\n", cli_time((int64_t)time(NULL), t), line);
	fflush(stderr);
}

int
cmd_serve(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "max-sessions", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "handshake-timeout", required_argument, NULL, 'H' },
		{ "threads", required_argument, NULL, 'n' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("serve");
	ent_server_opts so = { "127.0.0.1:7400", 16, 10, 30, 3600, 0,
	    log_line, NULL };
	ent_server *srv = NULL;
	struct sigaction sa;
	const char *user = NULL;
	char who[64];
	ent_msg msg;
	int o, v = 0;

	while ((o = getopt_long(argc, argv, "l:m:t:H:n:u:", opts, NULL)) != -1) {
		switch (o) {
		case 'l':
			so.listen = optarg;
			break;
		case 'm':
			if (cli_parse_number(self, "--max-sessions", optarg, 1, 100000, &v))
				return EXIT_ERR;
			so.max_sessions = (unsigned)v;
			break;
		case 't':
			if (cli_parse_number(self, "--timeout", optarg, 1, 86400,
			    &so.idle_s))
				return EXIT_ERR;
			break;
		case 'H':
			if (cli_parse_number(self, "--handshake-timeout", optarg,
			    1, 86400, &so.handshake_s))
				return EXIT_ERR;
			break;
		case 'n':
			if (cli_parse_number(self, "--threads", optarg, 1, 64, &v))
				return EXIT_ERR;
			so.threads = (unsigned)v;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			return cli_usage(self, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage(self, "unexpected argument '%s'", argv[optind]);
	/* the node (its key) as whoever started us; the store is opened by
	 * each session, after the switch to the unprivileged user */
	if (ent_node_open(&c->node, c->home, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* bind and load the key, then give up root, then confine */
	if (ent_server_open(&srv, c->node, &so, &msg) != ENT_OK ||
	    ent_sandbox_drop(user, c->home, who, &msg) != ENT_OK ||
	    ent_sandbox_limits(so.max_sessions * 16 + 64, &msg) != ENT_OK ||
	    ent_sandbox_seccomp(&msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		ent_server_close(srv);
		return EXIT_ERR;
	}
	if (getenv("ENTENTE_SANDBOX_SELFTEST") != NULL) {
		/* tests/sandbox.sh: a forbidden call must kill us */
		char *const args[] = { "/bin/true", NULL };
		execv(args[0], args);
		cli_warn("the sandbox let execve through");
		return EXIT_ERR;
	}
	fprintf(stderr, "entente: %s serving on port %d (max %u sessions) as "
	    "%s, sandboxed; stop with Ctrl-C or SIGTERM\n",
	    ent_node_name(c->node), ent_server_port(srv), so.max_sessions, who);
	fflush(stderr);
	if (ent_server_run(srv, &stop, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		ent_server_close(srv);
		return EXIT_ERR;
	}
	ent_server_close(srv);
	fprintf(stderr, "entente: stopped\n");
	return EXIT_OK;
}
