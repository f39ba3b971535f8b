/*
 * sandbox.h — confining the process that faces the network (entente
 * serve): an unprivileged user, resource limits, and a seccomp allow-list
 * of the system calls a serving node makes. Linux only.
 */
#ifndef ENTENTE_SANDBOX_H
#define ENTENTE_SANDBOX_H

#include "entente/err.h"

/*
 * When running as root, becomes `user` (NULL: the owner of the directory
 * home), with its groups dropped, and checks that root cannot be regained;
 * refuses (ENT_EINVAL) to go on as root. When not root, does nothing.
 * who (64 bytes) receives the user's name.
 */
ent_err ent_sandbox_drop(const char *user, const char *home, char *who,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Resource limits: no core files (they would hold keys), at most nfiles
 * descriptors, no file over 64 GiB. */
ent_err ent_sandbox_limits(unsigned nfiles, ent_msg *msg)
	__attribute__((warn_unused_result));

/*
 * Installs the allow-list (libseccomp): from here on the process may only
 * accept and serve connections, read and write its store, allocate, make
 * threads (not processes) and keep time. Any other system call (execve,
 * socket, connect, ptrace, fork, ...) kills the process with SIGSYS.
 * Also sets no_new_privs.
 */
ent_err ent_sandbox_seccomp(ent_msg *msg) __attribute__((warn_unused_result));

#endif
