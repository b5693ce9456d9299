"""The command line's checks on what it is given: folders it can write to, inbox folders
that exist and lie apart, a known task runner. A refusal is one line and an exit code,
never a traceback."""

from __future__ import annotations

import errno
import functools
import os
import tempfile
from pathlib import Path
from typing import NoReturn

import typer

from pipeline.runtime.folders import FolderOverlap, Folders
from pipeline.terminal import err_console, shown

DEFAULT_INBOX = Path("corpus/inbox")


def fail_on_os_error(func):
    """A command that cannot write its outputs (read-only --out, a full disk, no permission)
    ends in one line naming the folder and the reason, exit 1, not a traceback."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except OSError as exc:
            if exc.errno not in (errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO):
                raise
            where = f" ({shown(exc.filename)})" if exc.filename else ""
            err_console.print(f"[red]error[/red] cannot write the outputs{where}: {exc.strerror or exc}",
                              soft_wrap=True, highlight=False)
            raise typer.Exit(1) from None
    return wrapper


def checked_folders(inbox: Path, archive: Path, quarantine: Path, out: Path, create_inbox: bool = False) -> Folders:
    """The four folders, checked: the inbox must exist (unless --create-inbox or the default),
    the others must be folders this user can write to (created when missing), and none may
    lie inside another (archived files would be taken again as new ones)."""
    if not Path(inbox).is_dir():
        if Path(inbox).exists():
            refuse(f"--inbox {shown(inbox)} is not a folder")
        if not create_inbox and Path(inbox) != DEFAULT_INBOX:
            refuse(f"--inbox {shown(inbox)} does not exist (mistyped?); pass --create-inbox to create it")
    folders = Folders(inbox, archive, quarantine, out).resolved()
    try:
        folders.check()
    except FolderOverlap as exc:
        refuse(shown(exc))
    for flag, folder in (("--archive", archive), ("--quarantine", quarantine), ("--out", out)):
        writable_folder(folder, flag)
    return folders


def refuse(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[red]error[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def writable_folder(folder: Path, flag: str = "--out") -> Path:
    """A folder outputs can be written to: created when missing; one line and exit 2 when
    it is a file, cannot be created, or cannot be written (read-only, permissions)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        refuse(f"{flag} {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".finsam-write-test.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        refuse(f"{flag} {folder} cannot be written: {exc.strerror or exc}")
    return folder


def check_runner(task_runner: str) -> None:
    if task_runner not in ("threads", "dask"):
        err_console.print(f"--task-runner must be threads or dask, not {task_runner!r}")
        raise typer.Exit(2)
