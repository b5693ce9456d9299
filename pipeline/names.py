"""File names as the file system has them (bytes), and as finsam may show them (text).

On Linux a name is a string of bytes. Python carries a byte that is not UTF-8 (0xF6, an
"ö" from an old Windows share) as a lone surrogate ("\\udcf6") inside a `str`: lossless,
so every file operation keeps working on the real name, but such a string cannot be
written as JSON, printed or sent to the Prefect API. And a name may hold a personnummer,
an ANSI escape or a newline. So there are two forms, and one rule:

- **Carry** the name as the `Path` the file system gave (surrogates and all): opening,
  hashing, linking and moving use it and nothing else.
- **Show** it through `display_name` / `display_path` whenever it leaves the process (a
  record, a reason file, a log or CLI line, a Prefect parameter or task-run name): bytes
  that are not UTF-8 become `\\xf6`, control characters (ESC, newline, DEL, C1) become
  `\\x1b`-style escapes, personnummer are masked. The result is plain printable text, and
  `display_name(display_name(x)) == display_name(x)`.

Also here: names that fit the file system's 255-byte limit (`fit_name`), whether a path
lies inside a folder without following links (`inside`, `check_inside`), and opening a
file without following a link at its last component (`open_nofollow`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from pathlib import Path

# Every byte is at most 255 in a name on ext4, xfs, btrfs, tmpfs (NAME_MAX).
NAME_MAX = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape_control(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def display_name(name: str | bytes | os.PathLike | None) -> str | None:
    """A name (or any path text) as finsam shows it: valid UTF-8 text, one line, no
    terminal escapes, no personnummer. Never used to open a file."""
    if name is None:
        return None
    from pipeline.text.personnummer import mask_string  # noqa: PLC0415 - personnummer imports models

    return mask_string(escape_name(name))


def escape_name(name: str | bytes | os.PathLike) -> str:
    """display_name without the masking (for text that is masked, and counted, later)."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    raw = name if isinstance(name, bytes) else os.fsencode(name) if _has_surrogates(name) else None
    text = raw.decode("utf-8", errors="backslashreplace") if raw is not None else name
    return _CONTROL.sub(_escape_control, text)


def display_path(path: str | bytes | os.PathLike | None) -> str | None:
    return display_name(path)


def _has_surrogates(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def is_shown_as_is(name: str | os.PathLike) -> bool:
    """The name reaches no output changed: valid UTF-8, no control characters, no personnummer."""
    s = os.fspath(name)
    return display_name(s) == s


def fit_name(name: str, extra: str = "", limit: int = NAME_MAX) -> str:
    """`name` + `extra` as one file name of at most `limit` bytes.

    Too long: the stem is cut (at a character boundary of the bytes) and a short hash of
    the whole name keeps two long names that share a beginning apart; the suffix stays."""
    if len(os.fsencode(name + extra)) <= limit:
        return name + extra
    p = Path(name)
    suffix = p.suffix if len(os.fsencode(p.suffix)) <= 16 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    tag = "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:10]
    room = limit - len(os.fsencode(tag + suffix + extra))
    raw = os.fsencode(stem)[: max(room, 1)]
    # Never cut inside a UTF-8 sequence (surrogate-escaped bytes are single bytes anyway).
    while raw and raw[-1] & 0xC0 == 0x80:
        raw = raw[:-1]
    if raw and raw[-1] >= 0xC0:
        raw = raw[:-1]
    return os.fsdecode(raw) + tag + suffix + extra


def inside(root: Path, path: Path) -> bool:
    """`path` lies under `root`, judged on the names alone (no link is followed).

    `root` should be absolute and resolved (the folder itself, as configured); `path` is made
    absolute against the working directory and normalised ("a/../b"), never resolved."""
    root = Path(os.path.abspath(root))
    p = Path(os.path.abspath(path))
    return p != root and p.is_relative_to(root)


class OutsideFolder(Exception):
    """A path that is not a regular file reached inside its folder without links."""


def check_inside(root: Path, path: Path) -> Path:
    """The absolute path of `path` if it is a regular file under `root` and no component
    from `root` down to it (the file itself included) is a symbolic link; else OutsideFolder
    with the reason. Returns the path under `root` exactly as named (never resolved)."""
    root = Path(os.path.abspath(root))
    p = Path(os.path.abspath(path))
    if not inside(root, p):
        raise OutsideFolder("not inside the inbox")
    cur = root
    parts = p.relative_to(root).parts
    for i, part in enumerate(parts):
        cur = cur / part
        try:
            st = os.lstat(cur)
        except (FileNotFoundError, NotADirectoryError):
            raise OutsideFolder("gone") from None
        if stat.S_ISLNK(st.st_mode):
            raise OutsideFolder("a symbolic link (not followed)" if i == len(parts) - 1
                                else "reached through a symbolic link")
    if not stat.S_ISREG(st.st_mode):
        raise OutsideFolder(f"not a regular file ({file_kind(st.st_mode)})")
    return p


def file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "symbolic link"), (stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder")):
        if test(mode):
            return name
    return "regular file" if stat.S_ISREG(mode) else "special file"


def open_nofollow(path: Path) -> int:
    """A read-only fd of a regular file, never through a link at the last component and
    never blocking on a FIFO. Raises OSError (ELOOP for a link) or IsADirectoryError-like
    OSError(EINVAL) for anything but a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, f"not a regular file ({file_kind(st.st_mode)})", str(display_path(path)))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd
