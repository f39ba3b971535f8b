/* cmd_init.c — entente init, entente id. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

int
cmd_init(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("init");
	const char *name = NULL;
	ent_msg msg;
	int o;

	while ((o = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (o == 'n')
			name = optarg;
		else
			return cli_usage(self, "unknown option");
	}
	if (optind != argc)
		return cli_usage(self, "unexpected argument '%s'", argv[optind]);
	if (name == NULL)
		return cli_usage(self, "--name NAME is required");
	if (ent_node_create(c->home, name, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	printf("%s\n", ent_node_vkey(c->node));
	fprintf(stderr, "entente: node '%s' created in %s\n", name, c->home);
	return EXIT_OK;
}

int
cmd_id(cli *c, int argc, char **argv)
{
	if (argc > 1)
		return cli_usage(cli_command("id"), "unexpected argument '%s'",
		    argv[1]);
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	printf("%s\n", ent_node_vkey(c->node));
	return EXIT_OK;
}
