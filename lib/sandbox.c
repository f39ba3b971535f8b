/* sandbox.c — privilege drop, resource limits and the seccomp allow-list
 * of entente serve (see include/entente/sandbox.h). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entente/sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif


ent_err
ent_sandbox_drop(const char *user, const char *home, char *who, ent_msg *msg)
{
	struct passwd *pw;
	struct stat st;

	snprintf(who, 64, "%s", (pw = getpwuid(geteuid())) ? pw->pw_name :
	    "?");
	if (geteuid() != 0)
		return ENT_OK;
	if (user != NULL) {
		pw = getpwnam(user);
		if (pw == NULL)
			return ent_fail(msg, ENT_EINVAL, "no user named '%s'",
			    user);
	} else {
		if (stat(home, &st) != 0)
			return ent_fail(msg, ENT_EIO, "%s: %s", home,
			    strerror(errno));
		pw = getpwuid(st.st_uid);
		if (pw == NULL)
			return ent_fail(msg, ENT_EINVAL, "%s is owned by uid %u, "
			    "which has no user entry", home,
			    (unsigned)st.st_uid);
	}
	if (pw->pw_uid == 0)
		return ent_fail(msg, ENT_EINVAL, "refusing to serve as root: "
		    "give the node's home to an unprivileged user (chown -R "
		    "entente: %s) or name one with --user", home);
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		return ent_fail(msg, ENT_EIO, "cannot become %s: %s",
		    pw->pw_name, strerror(errno));
	if (setuid(0) == 0 || geteuid() == 0)
		return ent_fail(msg, ENT_EIO, "root could be regained after "
		    "switching to %s", pw->pw_name);
	snprintf(who, 64, "%s", pw->pw_name);
	return ENT_OK;
}

ent_err
ent_sandbox_limits(unsigned nfiles, ent_msg *msg)
{
	struct rlimit core = { 0, 0 }, files = { nfiles, nfiles },
	    size = { 64ull << 30, 64ull << 30 };
	struct rlimit now;

	/* never raise a limit already lower */
	if (getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_max < nfiles)
		files.rlim_cur = files.rlim_max = now.rlim_max;
	if (getrlimit(RLIMIT_FSIZE, &now) == 0 && now.rlim_max < size.rlim_max)
		size = now;
	if (setrlimit(RLIMIT_CORE, &core) != 0 ||
	    setrlimit(RLIMIT_NOFILE, &files) != 0 ||
	    setrlimit(RLIMIT_FSIZE, &size) != 0)
		return ent_fail(msg, ENT_EIO, "setting resource limits: %s",
		    strerror(errno));
#ifdef SANITIZED
	/* LeakSanitizer's tracer must attach at exit */
	if (prctl(PR_SET_DUMPABLE, 1) != 0)
#else
	if (prctl(PR_SET_DUMPABLE, 0) != 0)
#endif
		return ent_fail(msg, ENT_EIO, "prctl: %s", strerror(errno));
	return ENT_OK;
}

/* What serving needs, found by tracing sessions of every kind (and the
 * hostile-peer tests) and checked by them: the store (SQLite), TLS
 * (OpenSSL), libsodium, threads, time, logging. */
static const int allowed[] = {
	/* descriptors and files: the store, opened per session */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(lseek),
	SCMP_SYS(close), SCMP_SYS(dup), SCMP_SYS(openat), SCMP_SYS(newfstatat),
	SCMP_SYS(fstat), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(statx),
	SCMP_SYS(fcntl), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	SCMP_SYS(ftruncate), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
	SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
	SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(getcwd),
	SCMP_SYS(fchown), SCMP_SYS(fchmod), SCMP_SYS(fstatfs),
	/* memory */
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(brk), SCMP_SYS(mlock),
	SCMP_SYS(munlock),
	/* connections: accepted, never made */
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(accept4), SCMP_SYS(accept),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(shutdown), SCMP_SYS(recvfrom),
	SCMP_SYS(sendto), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	/* threads, time, signals, identity, randomness */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack),
	SCMP_SYS(restart_syscall), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(tgkill), SCMP_SYS(getuid), SCMP_SYS(geteuid),
	SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(getrandom),
	SCMP_SYS(sysinfo), SCMP_SYS(prlimit64), SCMP_SYS(getrlimit),
	SCMP_SYS(uname),
};

#ifdef SANITIZED
/* make check SANITIZE=1: LeakSanitizer stops the world at exit with a
 * tracer task (clone without CLONE_THREAD, ptrace, wait4, prctl) */
static const int sanitizer[] = {
	SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(prctl),
	SCMP_SYS(getdents64), SCMP_SYS(getdents), SCMP_SYS(getppid),
	SCMP_SYS(kill), SCMP_SYS(open),
};
#endif

ent_err
ent_sandbox_seccomp(ent_msg *msg)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = f == NULL ? -ENOMEM : 0;

	for (size_t i = 0; rc == 0 && i < sizeof allowed / sizeof allowed[0];
	    i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed[i], 0);
#ifdef SANITIZED
	for (size_t i = 0; rc == 0 && i < sizeof sanitizer /
	    sizeof sanitizer[0]; i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, sanitizer[i], 0);
#endif
	/* threads only: clone with CLONE_THREAD (sanitizer builds: any);
	 * clone3 (whose flags a filter cannot see) answers ENOSYS, and glibc
	 * falls back to clone */
#ifdef SANITIZED
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
#else
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
#endif
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS),
		    SCMP_SYS(clone3), 0);
	if (rc == 0)
		rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_NNP, 1);
	if (rc == 0)
		rc = seccomp_load(f);
	seccomp_release(f);
	if (rc != 0)
		return ent_fail(msg, ENT_EIO, "installing the seccomp filter: "
		    "%s", strerror(-rc));
	return ENT_OK;
}
