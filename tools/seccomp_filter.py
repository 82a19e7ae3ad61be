"""The seccomp filter applied to every calculator call (inside the sandbox).

Imported as a plain top-level module by the worker inside bubblewrap, so it
depends on the standard library and ``pyseccomp`` only.

Design: a default-allow filter with an explicit deny list, every denial
returning ``EPERM`` (user code sees a ``PermissionError`` instead of dying,
so the call reports ``error`` with a readable message).  An allow list would
be tighter but breaks with every CPython/glibc update; the deny list covers
what matters for escape and damage: processes, exec, network, namespaces,
tracing, other processes' memory, kernel attack surface (bpf, io_uring,
perf, userfaultfd, keyrings) and every way to create, change or remove a
file.  The namespaces and mounts of bubblewrap are the first layer; this is
the second.

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

# Syscalls denied outright.
DENY = (
    # new processes and programs (threads go through `clone` with CLONE_THREAD)
    "fork", "vfork", "execve", "execveat",
    # network and local IPC sockets
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg",
    # other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "tkill",
    "process_madvise", "process_mrelease", "migrate_pages", "move_pages", "get_robust_list",
    # System V IPC and POSIX message queues: objects that outlive the call
    "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semtimedop", "semctl",
    "msgget", "msgsnd", "msgrcv", "msgctl",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # namespaces, mounts, privileges
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
    "setfsuid", "setfsgid", "setgroups", "capset",
    # kernel attack surface
    "bpf", "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
    "perf_event_open", "keyctl", "add_key", "request_key", "personality",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "sethostname", "setdomainname",
    "open_by_handle_at", "name_to_handle_at", "fanotify_init", "lookup_dcookie",
    "setrlimit",
    # creating, changing or removing files
    "creat", "mkdir", "mkdirat", "mknod", "mknodat", "rename", "renameat", "renameat2",
    "unlink", "unlinkat", "rmdir", "link", "linkat", "symlink", "symlinkat",
    "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat",
    "truncate", "utime", "utimes", "futimesat", "utimensat",
    "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
    "openat2",
)

# fcntl commands that make the kernel signal another process (SIGIO owner),
# e.g. F_SETOWN(worker pid) + F_SETSIG(SIGKILL) + O_ASYNC on a pipe.
F_SETOWN, F_SETSIG, F_SETOWN_EX = 8, 10, 15
FIOSETOWN, SIOCSPGRP = 0x8901, 0x8902

# Answered with ENOSYS so glibc falls back to plain `clone`, whose flags a
# seccomp filter can inspect (clone3 passes them in memory).
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


def build_filter(sc: ModuleType) -> object:
    """The main filter (everything but the pid-specific signal rules of :func:`pid_filter`)."""
    eperm = sc.ERRNO(errno.EPERM)
    f = sc.SyscallFilter(sc.ALLOW)
    for name in DENY:
        if _known(sc, name):  # e.g. `open` and `fork` do not exist on arm64
            f.add_rule(eperm, name)
    for name in ENOSYS:
        if _known(sc, name):
            f.add_rule(sc.ERRNO(errno.ENOSYS), name)
    # clone without CLONE_THREAD would be a new process.
    f.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    # No write-mode opens, no creation, no truncation.
    write_bits = (
        (os.O_ACCMODE, os.O_WRONLY),
        (os.O_ACCMODE, os.O_RDWR),
        (os.O_CREAT, os.O_CREAT),
        (os.O_TRUNC, os.O_TRUNC),
    )
    for mask, value in write_bits:
        f.add_rule(eperm, "openat", sc.Arg(2, sc.MASKED_EQ, mask, value))
        if _known(sc, "open"):
            f.add_rule(eperm, "open", sc.Arg(1, sc.MASKED_EQ, mask, value))
    for cmd in (F_SETOWN, F_SETSIG, F_SETOWN_EX):
        f.add_rule(eperm, "fcntl", sc.Arg(1, sc.EQ, cmd))
    for req in (FIOSETOWN, SIOCSPGRP):
        f.add_rule(eperm, "ioctl", sc.Arg(1, sc.EQ, req))
    # Raising or setting limits: prlimit64 with a new limit (getrlimit passes NULL).
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
    """Apply both filters to the calling (single-threaded) process."""
    prepared.load()
    pid_filter(sc, pid).load()  # type: ignore[attr-defined]
