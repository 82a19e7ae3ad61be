"""Running the Typer app with user-facing error handling.

Known errors (``MathAgentError`` or any exception carrying a ``fix``
attribute, as the lower layers raise) become ``error: ...`` / ``fix: ...`` on
stderr and their exit code; so do Click's usage errors (bad option values,
missing arguments: exit 2), which Typer would otherwise draw as a panel.  Anything else is an internal error: one line,
exit code 70, and the traceback only with ``MATHAGENT_DEBUG=1`` (never with
local variables, which may hold secrets).
"""

from __future__ import annotations

import errno
import os
import sys
import traceback

import typer

from mathagent.errors import MathAgentError

INTERNAL_ERROR_EXIT = 70


def print_error(message: str, fix: str | None = None) -> None:
    """``error: <first line>`` and ``fix: ...`` on stderr; a message quoting input shows its control characters."""
    from mathagent.cli.terminal import neutralise

    first_line = (message.strip().splitlines() or [""])[0]
    _write_err(f"error: {neutralise(first_line)}")
    if fix:
        _write_err(f"fix: {neutralise(fix)}")


def _write_err(line: str) -> None:
    if sys.stderr is None:  # started with stderr closed (print(file=None) would write to stdout)
        return
    try:
        print(line, file=sys.stderr)
    except (OSError, ValueError):  # stderr itself is gone or full: the exit code still says it
        pass


def error_exit_code(exc: BaseException) -> int:
    code = getattr(exc, "exit_code", None)
    return code if isinstance(code, int) and code > 0 else 1


def guard_standard_streams() -> None:
    """Give a standard stream the process was started without (``>&-``, ``<&-``, ``2>&-``) ``/dev/null``.

    A closed descriptor 0, 1 or 2 would be the next file this process opens: the trace database or an
    output would then receive what a library, a sandboxed program or a worker writes to "stdout" or
    "stderr".  ``sys.stdin``/``sys.stdout``/``sys.stderr`` stay None (Python saw them closed), so the
    commands still know: stdin reads as "nothing on stdin", stdout is refused by :func:`run_app`.
    """
    for fd, flags in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
        except OSError:
            try:
                got = os.open(os.devnull, flags)
            except OSError:
                continue
            if got != fd:
                os.dup2(got, fd, inheritable=True)
                os.close(got)
            else:
                os.set_inheritable(fd, True)


def run_app(app: typer.Typer, args: list[str] | None = None) -> None:
    """Run ``app`` and exit; never let a traceback reach the user."""
    guard_standard_streams()
    if sys.stdout is None:  # started with stdout closed: the command's output has nowhere to go
        print_error("standard output is closed", "run the command with standard output open (e.g. > /dev/null)")
        sys.exit(OUTPUT_ERROR_EXIT)
    try:
        # not standalone: usage errors come here and get the same one-line form as every other error
        rv = app(args=args, prog_name="mathagent", standalone_mode=False)
    except typer.TyperException as exc:  # Click's exceptions (Typer vendors Click): usage errors
        if type(exc).__name__ == "NoArgsIsHelpError":  # Typer's rich help has already been printed
            sys.exit(2)
        ctx = getattr(exc, "ctx", None)
        print_error(exc.format_message(), f"see `{ctx.command_path} --help`" if ctx is not None else None)
        sys.exit(error_exit_code(exc))
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except MathAgentError as exc:
        print_error(exc.message, exc.fix)
        sys.exit(exc.exit_code)
    except UnicodeDecodeError as exc:
        print_error(f"input is not valid UTF-8 ({exc.reason} at byte {exc.start})",
                    "pass text encoded as UTF-8")
        sys.exit(2)
    except UnicodeEncodeError as exc:
        if "surrogates" not in str(exc.reason):
            _internal_error(exc)
        # undecodable argv bytes reach Python as lone surrogates and fail when re-encoded as UTF-8
        print_error("an argument is not valid UTF-8", "pass arguments encoded as UTF-8")
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if _output_failed(exc):
            _output_error(exc)
        fix = getattr(exc, "fix", None)
        if isinstance(fix, str):
            print_error(str(exc) or type(exc).__name__, fix)
            sys.exit(error_exit_code(exc))
        _internal_error(exc)
    try:  # what is still buffered must reach stdout now, while a failure can still be reported
        sys.stdout.flush()
    except OSError as exc:
        _output_error(exc)
    sys.exit(rv if type(rv) is int else 0)  # typer.Exit(code) returns its code when not standalone


# errors of a stream write (no file name): the output went to a full disk, /dev/full, a closed pipe
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EPIPE, errno.EBADF, errno.EROFS}
OUTPUT_ERROR_EXIT = 74  # EX_IOERR


def _output_failed(exc: BaseException) -> bool:
    """Whether ``exc`` is standard output failing (and not, say, a file the command was writing)."""
    if not isinstance(exc, OSError) or exc.errno not in OUTPUT_ERRNOS or exc.filename is not None:
        return False
    try:
        sys.stdout.flush()
    except OSError:
        return True
    # a large write bypasses the buffer, so a flush after it can succeed: trust the write-only errors
    return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) and getattr(exc, "fix", None) is None


def _output_error(exc: OSError) -> None:
    """Report that stdout cannot be written, and leave nothing buffered for the interpreter's exit to trip on."""
    print_error(f"cannot write the output to standard output: {exc.strerror or exc}",
                "free some space, or send the output somewhere writable")
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    sys.exit(OUTPUT_ERROR_EXIT)


def _internal_error(exc: BaseException) -> None:
    if os.environ.get("MATHAGENT_DEBUG") == "1":
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    print_error(f"internal error: {type(exc).__name__}: {exc}",
                "rerun with MATHAGENT_DEBUG=1 for the traceback and report it")
    sys.exit(INTERNAL_ERROR_EXIT)
