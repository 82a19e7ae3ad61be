"""Running the Typer app with user-facing error handling.

Known errors (``MathAgentError`` or any exception carrying a ``fix``
attribute, as the lower layers raise) become ``error: ...`` / ``fix: ...`` on
stderr and their exit code.  Anything else is an internal error: one line,
exit code 70, and the traceback only with ``MATHAGENT_DEBUG=1`` (never with
local variables, which may hold secrets).
"""

from __future__ import annotations

import os
import sys
import traceback

import typer

from mathagent.errors import MathAgentError

INTERNAL_ERROR_EXIT = 70


def print_error(message: str, fix: str | None = None) -> None:
    first_line = (message.strip().splitlines() or [""])[0]
    print(f"error: {first_line}", file=sys.stderr)
    if fix:
        print(f"fix: {fix}", file=sys.stderr)


def error_exit_code(exc: BaseException) -> int:
    code = getattr(exc, "exit_code", None)
    return code if isinstance(code, int) and code > 0 else 1


def run_app(app: typer.Typer, args: list[str] | None = None) -> None:
    """Run ``app`` and exit; never let a traceback reach the user."""
    try:
        # standalone mode: usage errors print Typer's own message and exit 2 (SystemExit passes through)
        app(args=args, prog_name="mathagent")
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
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        fix = getattr(exc, "fix", None)
        if isinstance(fix, str):
            print_error(str(exc) or type(exc).__name__, fix)
            sys.exit(error_exit_code(exc))
        if os.environ.get("MATHAGENT_DEBUG") == "1":
            traceback.print_exception(type(exc), exc, exc.__traceback__)
        print_error(f"internal error: {type(exc).__name__}: {exc}",
                    "rerun with MATHAGENT_DEBUG=1 for the traceback and report it")
        sys.exit(INTERNAL_ERROR_EXIT)
    sys.exit(0)
