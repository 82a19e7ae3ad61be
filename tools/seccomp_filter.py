"""The seccomp filter applied to every calculator call (inside the sandbox).

Imported as a plain top-level module by the worker inside bubblewrap, so it
depends on the standard library and ``pyseccomp`` only.

Design: an ALLOW list.  A syscall runs only if it is listed in :data:`ALLOW`
(some with argument conditions: read-only opens, ``clone`` of threads only,
harmless ``fcntl``/``ioctl``/``prctl`` commands, ``prlimit64`` that only
reads); everything else is refused, so a kernel's new syscalls (``fchmodat2``
came with Linux 6.6) are refused until someone decides otherwise.  The
default answer is ``ENOSYS`` ("not implemented"): glibc then falls back to an
older syscall, as it does on an older kernel.  What is refused on purpose is
listed in :data:`DENY` and answered with ``EPERM``, so the code gets a readable
``PermissionError``: processes, exec, network, namespaces, tracing, other
processes' memory and scheduling, kernel attack surface, host-wide quotas
(AIO contexts, inotify instances, file leases and locks on bound host files,
locked memory) and every way to create, change or remove a file.  The
namespaces and mounts of bubblewrap are the first layer; this is the second.

``pyseccomp`` cannot find libseccomp inside the sandbox (there is no
ld.so.cache, ldconfig or compiler there), so :func:`import_pyseccomp` points
its loader at the library by name.
"""

from __future__ import annotations

import ctypes.util
import errno
import importlib
import os
import sys
from types import ModuleType

CLONE_THREAD = 0x00010000

# Syscalls a call may make, without conditions.  Conditional ones follow in build_filter().
ALLOW = (
    # memory of the process itself
    "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "msync", "mincore", "get_mempolicy",
    "map_shadow_stack",
    # reading files, writing the already open stdout/stderr/status pipes
    "read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev", "pwritev2",
    "close", "close_range", "fstat", "stat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "lseek",
    "getdents", "getdents64", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd",
    "chdir", "fchdir", "dup", "dup2", "dup3", "pipe", "pipe2", "fadvise64", "sendfile", "splice", "tee",
    "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "fsync", "fdatasync", "umask",
    # waiting
    "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
    "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
    "futex", "futex_waitv", "futex_wait", "futex_wake", "futex_requeue",
    "nanosleep", "clock_nanosleep", "sched_yield", "pause",
    # threads (clone is conditional) and the process's own life
    "set_tid_address", "set_robust_list", "rseq", "exit", "exit_group", "wait4", "waitid", "restart_syscall",
    "arch_prctl",
    # reading the process's own identity, limits and scheduling (changing them is in DENY)
    "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid",
    "getresgid", "getpgid", "getpgrp", "getsid", "getrusage", "getrlimit", "getpriority", "sched_getaffinity",
    "sched_getparam", "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min",
    "sched_rr_get_interval", "sched_getattr", "getcpu", "uname", "sysinfo", "times", "capget",
    # time and randomness
    "clock_gettime", "clock_getres", "gettimeofday", "time", "getrandom",
    # signals (kill and friends: only to itself, see pid_filter)
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait", "rt_sigsuspend",
    "sigaltstack", "alarm", "getitimer", "setitimer", "timer_create", "timer_settime", "timer_gettime",
    "timer_getoverrun", "timer_delete", "kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
)

# Refused on purpose, with EPERM (anything else not in ALLOW gets ENOSYS).
DENY = (
    # new processes and programs (threads go through `clone` with CLONE_THREAD)
    "fork", "vfork", "execve", "execveat",
    # network and local IPC sockets
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg",
    # other processes: memory, tracing, signals, scheduling (a call must never change the worker)
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "tkill",
    "process_madvise", "process_mrelease", "migrate_pages", "move_pages", "get_robust_list",
    "setpriority", "sched_setparam", "sched_setscheduler", "sched_setattr", "sched_setaffinity", "ioprio_set",
    "set_mempolicy", "set_mempolicy_home_node", "mbind", "setpgid", "setsid",
    # System V IPC and POSIX message queues: objects that outlive the call
    "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semtimedop", "semctl",
    "msgget", "msgsnd", "msgrcv", "msgctl",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # host-wide quotas and host files: AIO contexts (fs.aio-max-nr), inotify instances and watches (per user),
    # locks on bound host files, locked memory, memory-backed files, flushing every filesystem
    "io_setup", "io_destroy", "io_submit", "io_getevents", "io_pgetevents", "io_cancel",
    "inotify_init", "inotify_init1", "inotify_add_watch", "fanotify_init", "fanotify_mark",
    "flock", "mlock", "mlock2", "mlockall", "munlock", "munlockall", "memfd_create", "memfd_secret",
    "sync", "syncfs", "sync_file_range", "fallocate", "ftruncate", "remap_file_pages",
    # namespaces, mounts, privileges
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
    "setfsuid", "setfsgid", "setgroups", "capset",
    # kernel attack surface
    "bpf", "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "seccomp",
    "perf_event_open", "keyctl", "add_key", "request_key", "personality", "modify_ldt",
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "sethostname", "setdomainname",
    "open_by_handle_at", "name_to_handle_at", "lookup_dcookie",
    "setrlimit",
    # creating, changing or removing files
    "creat", "mkdir", "mkdirat", "mknod", "mknodat", "rename", "renameat", "renameat2",
    "unlink", "unlinkat", "rmdir", "link", "linkat", "symlink", "symlinkat",
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "truncate", "utime", "utimes", "futimesat", "utimensat",
    "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
    "openat2",
)

# fcntl commands: the harmless ones run; those that make the kernel signal another process (SIGIO owner,
# e.g. F_SETOWN(worker) + F_SETSIG(SIGKILL) + O_ASYNC on a pipe), lock or lease a (bound, host) file, watch
# a folder or resize a pipe are refused.
F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK = 0, 1, 2, 3, 4, 5
F_SETLK, F_SETLKW, F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG = 6, 7, 8, 9, 10, 11
F_SETOWN_EX, F_GETOWN_EX, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 15, 16, 36, 37, 38
F_SETLEASE, F_GETLEASE, F_NOTIFY, F_DUPFD_CLOEXEC = 1024, 1025, 1026, 1030
F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS = 1031, 1032, 1033, 1034
FCNTL_ALLOW = (F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_GETOWN, F_GETSIG, F_GETOWN_EX,
               F_OFD_GETLK, F_GETLEASE, F_DUPFD_CLOEXEC, F_GETPIPE_SZ, F_GET_SEALS)
FCNTL_DENY = (F_SETLK, F_SETLKW, F_SETOWN, F_SETSIG, F_SETOWN_EX, F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE,
              F_NOTIFY, F_SETPIPE_SZ, F_ADD_SEALS)

# ioctl requests: terminal queries (isatty, window size), FIONREAD/FIONBIO and close-on-exec, which CPython
# itself uses; SIGIO ownership and injecting terminal input are refused.
TCGETS, TIOCGPGRP, TIOCSTI, TIOCGWINSZ, FIONREAD, FIONBIO = 0x5401, 0x540F, 0x5412, 0x5413, 0x541B, 0x5421
FIONCLEX, FIOCLEX, FIOASYNC, FIOSETOWN, SIOCSPGRP = 0x5450, 0x5451, 0x5452, 0x8901, 0x8902
IOCTL_ALLOW = (TCGETS, TIOCGPGRP, TIOCGWINSZ, FIONREAD, FIONBIO, FIONCLEX, FIOCLEX)
IOCTL_DENY = (TIOCSTI, FIOASYNC, FIOSETOWN, SIOCSPGRP)

# prctl options that only read, or name a thread / an anonymous mapping (glibc does).
PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_GET_KEEPCAPS, PR_SET_NAME, PR_GET_NAME = 1, 2, 3, 7, 15, 16
PR_GET_SECCOMP, PR_CAPBSET_READ, PR_GET_TIMERSLACK, PR_GET_NO_NEW_PRIVS = 21, 23, 30, 39
PR_SET_VMA = 0x53564D41
PRCTL_ALLOW = (PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_GET_KEEPCAPS, PR_SET_NAME, PR_GET_NAME, PR_GET_SECCOMP,
               PR_CAPBSET_READ, PR_GET_TIMERSLACK, PR_GET_NO_NEW_PRIVS, PR_SET_VMA)

# Left out of ALLOW on purpose so they get the default ENOSYS: glibc then falls back to plain `clone`,
# whose flags a seccomp filter can inspect (clone3 passes them in memory).
ENOSYS = ("clone3",)

def import_pyseccomp(libseccomp: str = "libseccomp.so.2") -> ModuleType:
    """Import ``pyseccomp`` with its library lookup pointed at ``libseccomp``."""
    if "pyseccomp" in sys.modules:
        return sys.modules["pyseccomp"]
    original = ctypes.util.find_library
    names = {"c": "libc.so.6", "seccomp": libseccomp}

    def find_library(name: str) -> str | None:
        return names.get(name) or original(name)

    ctypes.util.find_library = find_library
    try:
        return importlib.import_module("pyseccomp")
    finally:
        ctypes.util.find_library = original


def _known(sc: ModuleType, name: str) -> bool:
    return sc.resolve_syscall(sc.Arch.NATIVE, name) >= 0


def build_filter(sc: ModuleType, *, threads: bool = True) -> object:
    """The main filter (everything but the pid-specific signal rules of :func:`pid_filter`).

    ``threads=False`` refuses thread creation too (``EAGAIN``: "can't start new thread"): the bound on
    threads when neither a pids cgroup nor RLIMIT_NPROC can limit them (see ``_worker.tasks_mode``).
    """
    eperm = sc.ERRNO(errno.EPERM)
    allow = sc.ALLOW
    f = sc.SyscallFilter(sc.ERRNO(errno.ENOSYS))
    for name in ALLOW:
        if _known(sc, name):  # e.g. `open` and `fork` do not exist on arm64
            f.add_rule(allow, name)
    for name in DENY:
        if _known(sc, name):
            f.add_rule(eperm, name)
    # ENOSYS (clone3) is the default answer already: libseccomp refuses a rule that repeats the default.
    # clone: threads only (without CLONE_THREAD it would be a new process).
    f.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    f.add_rule(allow if threads else sc.ERRNO(errno.EAGAIN), "clone",
               sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, CLONE_THREAD))
    # Opens: read-only, no creation, no truncation (O_RDONLY is 0: all of these bits clear).
    write_bits = ((os.O_ACCMODE, os.O_WRONLY), (os.O_ACCMODE, os.O_RDWR), (os.O_CREAT, os.O_CREAT),
                  (os.O_TRUNC, os.O_TRUNC))
    read_only = os.O_ACCMODE | os.O_CREAT | os.O_TRUNC
    for name, arg in (("openat", 2), ("open", 1)):
        if not _known(sc, name):
            continue
        f.add_rule(allow, name, sc.Arg(arg, sc.MASKED_EQ, read_only, 0))
        for mask, value in write_bits:
            f.add_rule(eperm, name, sc.Arg(arg, sc.MASKED_EQ, mask, value))
    for name, allowed, denied in (("fcntl", FCNTL_ALLOW, FCNTL_DENY), ("ioctl", IOCTL_ALLOW, IOCTL_DENY),
                                  ("prctl", PRCTL_ALLOW, ())):
        for value in allowed:
            f.add_rule(allow, name, sc.Arg(1 if name != "prctl" else 0, sc.EQ, value))
        for value in denied:
            f.add_rule(eperm, name, sc.Arg(1, sc.EQ, value))
    # Limits: reading them (prlimit64 with a NULL new limit) only.
    f.add_rule(allow, "prlimit64", sc.Arg(2, sc.EQ, 0))
    f.add_rule(eperm, "prlimit64", sc.Arg(2, sc.NE, 0))
    return f


def pid_filter(sc: ModuleType, pid: int) -> object:
    """A small second filter: signals only to ``pid`` itself (never the worker, pid 1 or a group)."""
    eperm = sc.ERRNO(errno.EPERM)
    f = sc.SyscallFilter(sc.ALLOW)
    for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        f.add_rule(eperm, name, sc.Arg(0, sc.NE, pid))
    return f


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class PreparedFilter:
    """The main filter compiled to BPF once; loading it is then one prctl call.

    libseccomp regenerates the program on every ``load()`` (milliseconds);
    the worker compiles it once and each child only hands the bytes to the
    kernel.  The kernel requires no_new_privs first, which loading the
    pid filter through libseccomp sets (its default NNP attribute).
    """

    PR_SET_NO_NEW_PRIVS = 38
    PR_SET_SECCOMP = 22
    SECCOMP_MODE_FILTER = 2

    def __init__(self, sc: ModuleType, f: object):
        read_fd, write_fd = os.pipe()
        try:
            with os.fdopen(write_fd, "wb", closefd=False) as sink:
                f.export_bpf(sink)  # type: ignore[attr-defined]
            os.close(write_fd)
            write_fd = -1
            chunks = []
            while chunk := os.read(read_fd, 65536):
                chunks.append(chunk)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        program = b"".join(chunks)
        if not program or len(program) % 8:
            raise OSError(errno.EINVAL, "libseccomp exported an empty or malformed BPF program")
        self.size = len(program)
        self._buf = ctypes.create_string_buffer(program, len(program))
        self._prog = _SockFprog(len(program) // 8, ctypes.addressof(self._buf))
        self._libc = ctypes.CDLL("libc.so.6", use_errno=True)

    def load(self) -> None:
        prctl = self._libc.prctl
        if prctl(self.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(NO_NEW_PRIVS): {os.strerror(err)}")
        if prctl(self.PR_SET_SECCOMP, self.SECCOMP_MODE_FILTER, ctypes.byref(self._prog), 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(SECCOMP): {os.strerror(err)}")


def lock_down(sc: ModuleType, prepared: PreparedFilter, pid: int) -> None:
    """Apply both filters to the calling (single-threaded) process.

    The pid filter first: the main filter refuses ``seccomp()`` and ``prctl(PR_SET_SECCOMP)`` (code may not
    stack filters of its own), so nothing can be loaded after it.
    """
    pid_filter(sc, pid).load()  # type: ignore[attr-defined]
    prepared.load()
