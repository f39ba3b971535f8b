/*
 * test_node.c — node keys: the C2SP key-string vectors, key file
 * permissions, and init refusing to overwrite.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entente/node.h"
#include "tap.h"

static char dir[] = "/tmp/entente-node-XXXXXX";

/* Reads "key: value" from the vectors file (first occurrence). */
static int
vector(const char *key, char *out, size_t cap)
{
	FILE *f = fopen("tests/data/vectors/signed-note.txt", "r");
	char line[512];
	size_t kn = strlen(key);
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, kn) == 0 && line[kn] == ':') {
			snprintf(out, cap, "%s", line + kn + 2);
			out[strcspn(out, "\n")] = '\0';
			found = 1;
		}
	}
	fclose(f);
	return found;
}

int
main(void)
{
	char skey[256], vkey[256], home[300], path[400];
	ent_node *node = NULL;
	ent_msg msg;
	int fd;

	if (mkdtemp(dir) == NULL || ent_init(NULL) != ENT_OK)
		return 1;

	/* The PeterNeumann vector: key file -> exact verifier key. */
	OK(vector("skey", skey, sizeof skey) && vector("vkey", vkey,
	    sizeof vkey), "vectors read");
	snprintf(home, sizeof home, "%s/pn", dir);
	mkdir(home, 0700);
	snprintf(path, sizeof path, "%s/node.key", home);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd >= 0) {
		if (write(fd, skey, strlen(skey)) < 0)
			printf("# write failed\n");
		close(fd);
	}
	OK(ent_node_open(&node, home, &msg) == ENT_OK, "vector key opens");
	/* vkey is the first "vkey:" line: the C2SP example; ours is next */
	{
		FILE *f = fopen("tests/data/vectors/signed-note.txt", "r");
		char line[512], want[512] = "";
		int n = 0;
		while (f && fgets(line, sizeof line, f))
			if (strncmp(line, "vkey: ", 6) == 0 && ++n == 2)
				snprintf(want, sizeof want, "%s", line + 6);
		if (f)
			fclose(f);
		want[strcspn(want, "\n")] = '\0';
		OK(node != NULL && strcmp(ent_node_vkey(node), want) == 0,
		    "PeterNeumann verifier key matches (%s)",
		    node ? ent_node_vkey(node) : "-");
		OK(node != NULL && strcmp(ent_node_name(node), "PeterNeumann") ==
		    0, "name read from the key");
	}
	ent_node_close(node);
	node = NULL;

	/* A key readable by others is refused, saying how to fix it. */
	chmod(path, 0644);
	OK(ent_node_open(&node, home, &msg) == ENT_EPERM &&
	    strstr(msg.text, "chmod 600") != NULL, "0644 key refused: %s",
	    msg.text);
	chmod(path, 0600);

	/* create, then create again: refused, nothing changed */
	snprintf(home, sizeof home, "%s/fresh", dir);
	OK(ent_node_create(home, "node.example", &msg) == ENT_OK, "create");
	{
		struct stat st;
		OK(stat(home, &st) == 0 && (st.st_mode & 0777) == 0700,
		    "home is 0700");
		snprintf(path, sizeof path, "%s/node.key", home);
		OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
		    "key is 0600");
		snprintf(path, sizeof path, "%s/store.db", home);
		OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
		    "store is 0600");
	}
	OK(ent_node_open(&node, home, &msg) == ENT_OK &&
	    strncmp(ent_node_vkey(node), "node.example+", 13) == 0,
	    "created node opens");
	strcpy(vkey, node ? ent_node_vkey(node) : "");
	ent_node_close(node);
	node = NULL;
	OK(ent_node_create(home, "other", &msg) == ENT_EEXIST,
	    "second init refused: %s", msg.text);
	OK(ent_node_open(&node, home, &msg) == ENT_OK &&
	    strcmp(ent_node_vkey(node), vkey) == 0, "identity unchanged");
	ent_node_close(node);
	node = NULL;

	OK(ent_node_create(home, "bad name", &msg) == ENT_EINVAL,
	    "a name with a space is refused");
	OK(ent_node_name_check("a+b", &msg) == ENT_EINVAL, "'+' refused");
	snprintf(home, sizeof home, "%s/none", dir);
	OK(ent_node_open(&node, home, &msg) == ENT_ENOENT &&
	    strstr(msg.text, "init") != NULL, "missing node says to init");
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
