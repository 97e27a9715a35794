"""``python -m engine``: the command line (see engine.cli)."""

import os
import sys
import warnings

from engine.cli.commands import main


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one ``warning: ...`` line on stderr, without the source file (a server path)."""
    print(f"warning: {' '.join(str(message).split())}", file=file or sys.stderr)


if __name__ == "__main__":
    if not os.environ.get("ENGINE_DEBUG"):  # ENGINE_DEBUG=1: Python's own warnings and tracebacks
        warnings.showwarning = _one_line_warning
    sys.exit(main())
