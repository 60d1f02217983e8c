"""Writing a report or export where the user said: atomically for files, straight through for devices.

- A regular file (or a new path) is replaced atomically: the text goes to a temporary file in the same
  directory, is fsynced, then renamed over the target, so a reader (or a killed process) never sees half a
  report. A replaced file keeps its permission bits (and, where allowed, its owner); a new file gets the
  requested mode less the umask, as any shell redirection would.
- A character device, FIFO or socket (``/dev/null``, ``/dev/stdout`` when it is a pipe, a named pipe) and any
  path that resolves through ``/proc/*/fd`` or ``/dev/fd`` (``/dev/stdout``, ``/dev/fd/1``, whatever they point
  at) is written through, never replaced: replacing ``/dev/full`` with a regular file as root is a bug.
- The temporary file is ``.NAME.vmbackup-prep-PID-RANDOM.tmp``: removed on any error and on SIGINT, SIGTERM
  and SIGHUP (the commands turn them into exceptions, see ``tui.interrupts``); one a SIGKILL left behind is
  recognised and removed by the next write into the same directory once PID is gone. (``O_TMPFILE`` would
  need ``linkat`` through /proc, which overlay filesystems refuse with EXDEV.)
- Errors are one clear sentence (``OutputError``): "not a directory", "directory ... does not exist", ...
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

TEMP_TAG = "vmbackup-prep"
_STALE = re.compile(rf"^\..+\.{TEMP_TAG}-(\d+)-[0-9a-f]+\.tmp$")
_MAGIC_DIRS = ("/proc/", "/dev/fd/")


class OutputError(OSError):
    """The output could not be written: ``strerror`` is the reason, ``str()`` one sentence with the path."""

    def __init__(self, code: int, reason: str, path: Path | str) -> None:
        super().__init__(code, reason, str(path))

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}"


def write_output(path: str | Path, text: str, *, mode: int = 0o666, create_dirs: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path``: atomic replace for regular files and new paths, else write through.

    ``mode`` is for a new file (the umask applies); ``create_dirs`` creates missing parent directories (the
    wizard's export directory), else a missing directory is an error. Returns the path written.
    """
    target = Path(path).expanduser()
    data = text.encode("utf-8")
    magic = _through_descriptor(target)
    if magic is not None:
        _write_through(target, data, _own_fd(magic))
        return target
    real = Path(os.path.realpath(target))  # a symlink to a regular file: replace the file, keep the link
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _error(target, e) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(errno.EISDIR, "it is a directory", target)
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_through(target, data)
        return target
    _check_parent(target, real.parent, create_dirs)
    _replace(real, data, mode, st)
    return target


# -- where it goes --------------------------------------------------------------------------------------------
def _through_descriptor(path: Path) -> str | None:
    """The ``/proc/.../fd/N`` (or ``/dev/fd/N``) path ``path`` resolves through (/dev/stdout, /dev/fd/1), else None."""
    current = os.path.abspath(path)
    for _ in range(40):  # as the kernel: a bounded number of symlinks
        parent = os.path.realpath(os.path.dirname(current))
        current = os.path.join(parent, os.path.basename(current))
        if current.startswith(_MAGIC_DIRS):
            return current
        if not os.path.islink(current):
            return None
        current = os.path.join(parent, os.readlink(current))
    return None


def _own_fd(magic: str) -> int | None:
    """N when ``magic`` is one of this process's descriptors (``/proc/self/fd/N``, ``/proc/PID/fd/N``)."""
    m = re.match(r"^/proc/(?:self|thread-self|(\d+))/fd/(\d+)$", magic) or re.match(
        r"^/dev/fd/()(\d+)$", magic
    )
    if m and (not m.group(1) or int(m.group(1)) == os.getpid()):
        return int(m.group(2))
    return None


def _check_parent(target: Path, parent: Path, create: bool) -> None:
    try:
        if create:
            parent.mkdir(parents=True, exist_ok=True)
        st = os.stat(parent)
    except FileNotFoundError:
        raise OutputError(errno.ENOENT, f"directory {parent} does not exist", target) from None
    except OSError as e:
        raise _error(target, e, parent) from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(errno.ENOTDIR, f"{parent} is not a directory", target)


def _error(target: Path, e: OSError, parent: Path | None = None) -> OutputError:
    if e.errno == errno.ENOTDIR:
        culprit = _first_non_directory(parent or target.parent)
        return OutputError(errno.ENOTDIR, f"{culprit} is not a directory", target)
    if e.errno == errno.ENOENT:
        return OutputError(errno.ENOENT, f"directory {target.parent} does not exist", target)
    reason = e.strerror or str(e)
    return OutputError(e.errno or errno.EIO, reason[:1].lower() + reason[1:], target)


def _first_non_directory(path: Path) -> Path:
    for candidate in [*reversed(path.parents), path]:
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return path


# -- writing ------------------------------------------------------------------------------------------------
def _write_through(target: Path, data: bytes, own_fd: int | None = None) -> None:
    """Write to a device, pipe or descriptor in place: no rename, no temporary file, no truncation. One of
    our own descriptors (/dev/stdout) is written as it is, so a ``>>`` redirection behind it still appends."""
    try:
        fd = (
            os.dup(own_fd)
            if own_fd is not None
            else os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        )
    except OSError as e:
        raise _error(target, e) from None
    try:
        _write_all(fd, data)
    except OSError as e:
        raise _error(target, e) from None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a pipe or a device may take fewer at a time)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _replace(real: Path, data: bytes, mode: int, existing: os.stat_result | None) -> None:
    directory = real.parent
    _remove_stale(directory, real.name)
    fd, temp = _open_temp(directory, real.name, mode)
    renamed = False
    try:
        _write_all(fd, data)
        if existing is not None:
            os.fchmod(fd, stat.S_IMODE(existing.st_mode))
            if (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
                with contextlib.suppress(OSError):  # only root may give a file away: keep it where allowed
                    os.fchown(fd, existing.st_uid, existing.st_gid)
        os.fsync(fd)
        os.replace(temp, real)
        renamed = True
        _fsync_dir(directory)
    except OSError as e:
        raise _error(real, e) from None
    finally:
        os.close(fd)
        if not renamed:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _open_temp(directory: Path, name: str, mode: int) -> tuple[int, str]:
    """(fd, path) of a new temporary file beside ``name`` (created with ``mode``, less the umask)."""
    path = _temp_name(directory, name)
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), path
    except OSError as e:
        raise _error(directory / name, e) from None


def _temp_name(directory: Path, name: str) -> str:
    return str(directory / f".{name}.{TEMP_TAG}-{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _remove_stale(directory: Path, name: str) -> None:
    """Remove temporary files a killed run left beside ``name`` (their process is gone)."""
    prefix = f".{name}.{TEMP_TAG}-"
    try:
        entries = [e for e in os.listdir(directory) if e.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        m = _STALE.match(entry)
        if m and not _alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(directory / entry)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
