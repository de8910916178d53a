"""A file an operator names on the command line (a backup, a person's export): whole or not at all, and only a file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mentorloom.errors import MentorloomError


@contextlib.contextmanager
def output_file(output: Path, what: str) -> Iterator[Path]:
    """Yield a new empty file beside `output` to write `what` to; it replaces `output` when the block ends well.

    A directory or a device (/dev/full, a pipe) is refused, since the finished file is renamed onto `output` and
    would replace the device itself. An OSError (no permission, a file where a folder should be, the disk full)
    becomes a MentorloomError naming `output`; no partial file is left behind. The file is created afresh with a
    random name and mode 0600 (a link planted under a guessable name is not followed; the content is personal data).
    """
    partial: Path | None = None
    try:
        if output.exists() and not output.is_file():
            raise MentorloomError(f"{output} is not a file: name the file to write the {what} to.")
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{output.name[:64]}.", suffix=".partial", dir=output.parent)
        os.close(fd)
        partial = Path(name)
        yield partial
        partial.replace(output)
    except OSError as exc:
        raise MentorloomError(f"Cannot write the {what} to {output}: {exc.strerror or exc}") from exc
    finally:
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
