"""Every location is a URL: a local path, `file://`, `s3://`, `memory://`, ...

Local paths are served by the standard library (fast start, atomic rename). Anything else goes through fsspec, which `filesystem()` alone imports,
so s3fs/botocore load only when a remote URL is used.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from .errors import (
    ExistsError,
    ForbiddenError,
    InspectCliError,
    MissingPackageError,
    NotFoundError,
    StorageError,
    WriteConflictError,
)

# fsspec protocols and the package that provides each (for the error message).
_PACKAGES = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
    "hf": "huggingface_hub",
}


def scheme(url: str) -> str:
    """The URL scheme ('' for a plain path)."""
    head, sep, _ = url.partition("://")
    return head.lower() if sep and "/" not in head else ""


def is_local(url: str) -> bool:
    return scheme(url) in ("", "file")


def local_path(url: str) -> str:
    """The filesystem path of a local URL."""
    return url[len("file://") :] if url.lower().startswith("file://") else url


def join(base: str, *parts: str) -> str:
    """Join path parts onto a URL or path with '/' (or os.sep locally)."""
    if is_local(base) and not base.lower().startswith("file://"):
        return os.path.join(base, *parts)
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def filesystem(url: str, **options: Any) -> tuple[Any, str]:
    """The fsspec filesystem for `url` (with fsspec `options`) and the path within it."""
    proto = scheme(url) or "file"
    try:
        import fsspec

        return fsspec.core.url_to_fs(url, **options)
    except ImportError as ex:
        package = _PACKAGES.get(proto, getattr(ex, "name", None) or proto)
        raise MissingPackageError(
            f"{proto}:// locations need the '{package}' package (pip install {package})"
        ) from None
    except ValueError as ex:  # fsspec: "Protocol not known"
        raise StorageError(f"{url}: {ex}") from None


@contextlib.contextmanager
def errors(url: str) -> Iterator[None]:
    """Turn storage exceptions into one-line domain errors naming `url`."""
    try:
        yield
    except InspectCliError:
        raise
    except FileNotFoundError as ex:
        if not is_local(url) and "bucket" in str(ex).lower():  # s3fs: "The specified bucket does not exist"
            bucket = url.split("://", 1)[1].split("/", 1)[0]
            raise NotFoundError(f"{scheme(url)}://{bucket}: bucket not found") from None
        raise NotFoundError(f"{url}: no such file or directory") from None
    except FileExistsError:
        raise ExistsError(f"{url}: exists") from None
    except PermissionError as ex:
        raise StorageError(f"{url}: permission denied{_detail(ex)}") from None
    except IsADirectoryError:
        raise StorageError(f"{url}: is a directory") from None
    except OSError as ex:
        raise StorageError(f"{url}: {ex.strerror or ex}") from None
    except Exception as ex:
        # botocore and friends: missing credentials, unknown endpoint, ...
        if type(ex).__module__.split(".")[0] in ("botocore", "aiobotocore", "s3fs", "fsspec", "aiohttp"):
            raise StorageError(f"{url}: {type(ex).__name__}: {ex}") from None
        raise


def _detail(ex: OSError) -> str:
    text = str(ex.args[0]) if ex.args and isinstance(ex.args[0], str) else ""
    return f" ({text})" if text and "ermission" not in text else ""


class FileInfo(NamedTuple):
    url: str
    size: int
    mtime: float  # seconds since the epoch
    etag: str | None = None  # remote objects' version tag (for conditional writes)


def info(url: str) -> FileInfo:
    with errors(url):
        if is_local(url):
            st = os.stat(local_path(url))
            return FileInfo(url, st.st_size, st.st_mtime)
        fs, path = filesystem(url)
        return _remote_info(url, fs.info(path))


def _remote_info(url: str, entry: dict[str, Any]) -> FileInfo:
    mtime = entry.get("LastModified") or entry.get("mtime") or entry.get("created") or 0
    if hasattr(mtime, "timestamp"):
        mtime = mtime.timestamp()
    etag = entry.get("ETag") or entry.get("etag")
    return FileInfo(url, int(entry.get("size") or 0), float(mtime), etag if isinstance(etag, str) else None)


def is_dir(url: str) -> bool:
    with errors(url):
        if is_local(url):
            return os.path.isdir(local_path(url))
        fs, path = filesystem(url)
        return bool(fs.isdir(path))


def list_files(url: str, recursive: bool = True, fs_options: dict[str, Any] | None = None) -> list[FileInfo]:
    """The files in the folder `url` (and its subfolders, but hidden ones, when
    `recursive`), in no particular order; none when the folder does not exist.

    Local folders are walked without following symlinks to folders (as
    Inspect lists them: a link to `.` or `/` cannot make the walk endless);
    symlinks to files are listed. Remote listings are never served from
    fsspec's cache (a long-lived process sees new files).
    """
    with errors(url):
        return _local_files(url, recursive) if is_local(url) else _remote_files(url, recursive, fs_options or {})


def _local_files(url: str, recursive: bool) -> list[FileInfo]:
    root = os.path.abspath(local_path(url))
    if not os.path.exists(root):
        return []
    if not os.path.isdir(root):
        raise StorageError(f"{url}: not a directory")
    out: list[FileInfo] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if recursive and not entry.name.startswith("."):
                        stack.append(entry.path)
                elif entry.is_file(follow_symlinks=True):
                    st = entry.stat()
                    out.append(FileInfo("file://" + entry.path, st.st_size, st.st_mtime))
    return out


_OBJECT_STORES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"}


def _remote_files(url: str, recursive: bool, fs_options: dict[str, Any]) -> list[FileInfo]:
    fs, path = filesystem(url, **fs_options)
    protocol = scheme(url)
    fs.invalidate_cache(path)
    try:
        entries = fs.find(path, detail=True).values() if recursive else fs.ls(path, detail=True)
    except FileNotFoundError:
        entries = []
    out = [_remote_info(f"{protocol}://{entry['name']}", entry) for entry in entries if entry.get("type") == "file"]
    if not out and protocol in _OBJECT_STORES:
        # An empty listing may hide an unknown bucket or missing credentials.
        bucket = path.strip("/").split("/", 1)[0]
        try:
            with errors(f"{protocol}://{bucket}"):
                fs.ls(bucket)
        except NotFoundError:
            raise NotFoundError(f"{protocol}://{bucket}: bucket not found") from None
    return out


def forget(url: str) -> None:
    """Drop what fsspec remembers of a remote `url` (listings, sizes), so a
    long-running process sees what other processes wrote since."""
    if not is_local(url):
        fs, path = filesystem(url)
        fs.invalidate_cache(path)


def remove(url: str) -> None:
    """Delete one file (a missing one is not an error: someone removed it first)."""
    with errors(url):
        if is_local(url):
            try:
                os.unlink(local_path(url))
            except FileNotFoundError:
                pass
            return
        fs, path = filesystem(url)
        if fs.exists(path):
            fs.rm_file(path)


def exists(url: str) -> bool:
    with errors(url):
        if is_local(url):
            return os.path.exists(local_path(url))
        fs, path = filesystem(url)
        return bool(fs.exists(path))


Source = str | IO[bytes]  # a URL, or a binary file already open (read from its start)


def source_name(source: Source) -> str:
    """What to call a source in messages: its URL, or the name of the open file."""
    if isinstance(source, str):
        return source
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


@contextlib.contextmanager
def open_read(source: Source) -> Iterator[IO[bytes]]:
    """A seekable binary file to read `source` from.

    An open file is used as it is (from its start, and left open). A local
    file must be a regular file (a FIFO or a device named like a log would
    block or never end) and is read with plain reads, never memory-mapped: a
    file truncated while it is read gives an error, not a crash (SIGBUS).
    Remote files fetch only the byte ranges read.
    """
    if not isinstance(source, str):
        source.seek(0)
        yield source
        return
    with errors(source):
        if is_local(source):
            with open_local(local_path(source), source) as f:
                yield f
        else:
            fs, path = filesystem(source)
            with fs.open(path, "rb", block_size=256 * 1024, cache_type="readahead") as f:
                with contextlib.suppress(AttributeError):
                    f.name = source  # messages name the URL
                yield f


@contextlib.contextmanager
def open_local(path: str, name: str | None = None) -> Iterator[IO[bytes]]:
    """A local regular file opened for reading (see `open_read`); an error
    once the block ends if the file changed meanwhile."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    f = checked_file(fd, name or path)
    with f:
        before = os.fstat(fd)
        yield f
        after = os.fstat(fd)
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise StorageError(f"{name or path}: the file changed while it was read (read it again)")


def open_confined(root: str, path: str, name: str) -> IO[bytes]:
    """The local regular file `path` (absolute, or relative to the folder
    `root`) opened for reading, only if what is opened lies inside `root`.

    Symlinks that stay inside `root` are followed. The check and the open are
    one step: the path is resolved (realpath) and must lead inside `root`,
    then that resolved path is opened one folder at a time from `root`,
    following no symlink at all. A symlink swapped in between makes the open
    fail (ForbiddenError); it can never open a file elsewhere. NotFoundError
    when nothing is there; `name` names the file in errors.
    """
    base = os.path.realpath(root)
    real = os.path.realpath(os.path.join(base, path))
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not real.startswith(prefix):
        raise ForbiddenError(f"{name}: leads outside {base}")
    parts = real[len(prefix) :].split(os.sep)
    cloexec = getattr(os, "O_CLOEXEC", 0)
    folder_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | cloexec
    with errors(name):
        folder = os.open(base, os.O_RDONLY | os.O_DIRECTORY | cloexec)
        try:
            for part in parts[:-1]:
                inner = os.open(part, folder_flags, dir_fd=folder)
                os.close(folder)
                folder = inner
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | cloexec, dir_fd=folder)
        except OSError as ex:
            if ex.errno in (errno.ELOOP, errno.ENOTDIR):
                # A symlink (or a file) where the resolved path had a folder or
                # the file: something on the way was replaced since it was resolved.
                raise ForbiddenError(
                    f"{name}: cannot be opened inside {base} (a symlink on its way was replaced, "
                    "or a folder on its way is not a folder)"
                ) from None
            raise
        finally:
            os.close(folder)
    return checked_file(fd, name)


def checked_file(fd: int, name: str) -> IO[bytes]:
    """A binary file over `fd`, which must be a regular file (closed otherwise)."""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise StorageError(f"{name}: not a regular file")
        f = open(fd, "rb")  # noqa: SIM115  (returned to the caller, who closes it)
    except BaseException:
        os.close(fd)
        raise
    f.raw.name = name  # type: ignore[attr-defined]  # FileIO's name is writable: name the log, not a descriptor
    return f


def size_of(f: IO[bytes]) -> int:
    """The size of an open file (its position is kept)."""
    at = f.tell()
    size = f.seek(0, os.SEEK_END)
    f.seek(at)
    return size


def read_bytes(source: Source) -> bytes:
    """The whole content of `source`."""
    with open_read(source) as f:
        return f.read()


_umask: int | None = None
_umask_lock = threading.Lock()


def _file_mode() -> int:
    """The mode a new file gets from open(): 0o666 less the process umask.
    (Temporary files are created 0o600; written logs must not be.)"""
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = os.umask(0o022)
            os.umask(_umask)
    return 0o666 & ~_umask


def dir_mode() -> int:
    """The mode a new folder gets from mkdir(): 0o777 less the process umask
    (temporary folders are created 0o700)."""
    return _file_mode() | ((_file_mode() & 0o444) >> 2)


@contextlib.contextmanager
def local_replacement(path: str, exclusive: bool = False, durable: bool = True) -> Iterator[IO[bytes]]:
    """A new local file that takes `path`'s place only when the block succeeds.

    It is written as a temporary file in the same folder, then renamed over
    `path`; with `exclusive`, linked to `path` only if no file is there
    (FileExistsError otherwise: nothing is ever replaced). `durable` waits
    for the disk before the rename (a process killed at any point leaves the
    old or the new file either way; `durable` also covers power loss).
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix="-" + os.path.basename(path))
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "w+b") as f:
            yield f
            f.flush()
            if durable:
                os.fsync(f.fileno())
        if exclusive:
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def copy_local_prefix(path: str, target: IO[bytes], length: int) -> None:
    """Copy the first `length` bytes of the local file `path` to the start of
    `target` (in the kernel where it can: no pass through Python's memory)."""
    target.flush()
    copy_range = getattr(os, "copy_file_range", None)  # Linux
    with open(path, "rb") as source:
        copied = 0
        while copy_range is not None and copied < length:
            try:
                n = copy_range(source.fileno(), target.fileno(), length - copied, copied, copied)
            except OSError:
                n = 0
            if n <= 0:
                break
            copied += n
        if copied < length:  # no copy_file_range here (or it stopped): copy the rest by hand
            source.seek(copied)
            target.seek(copied)
            while copied < length:
                chunk = source.read(min(8 * 1024 * 1024, length - copied))
                if not chunk:
                    raise OSError(f"{path} is shorter than expected ({copied} of {length} bytes)")
                target.write(chunk)
                copied += len(chunk)
    target.seek(length)


@contextlib.contextmanager
def atomic_write(url: str, exclusive: bool = False, if_match: str | None = None) -> Iterator[IO[bytes]]:
    """A binary file whose content replaces `url` only when the block succeeds.

    Locally: a temporary file in the same folder, renamed over the target.
    Remotely: a local temporary file uploaded in one request at the end (an
    object store never exposes a partial object). With `exclusive`, the
    target is created only if nothing is there (S3: a conditional write);
    ExistsError otherwise. With `if_match` (remote only, as local files have
    no ETag), it is replaced only if it is still the version with that ETag;
    WriteConflictError otherwise.
    """
    with errors(url):
        if is_local(url):
            with local_replacement(local_path(url), exclusive=exclusive) as f:
                yield f
            return
        fs, path = filesystem(url)
        with tempfile.TemporaryFile() as f:
            yield f
            f.seek(0)
            if if_match is not None:
                _replace_if_match(fs, path, url, f.read(), if_match)
                return
            if exclusive and not _supports_exclusive(fs) and fs.exists(path):
                raise FileExistsError(path)
            with fs.open(path, "xb" if exclusive and _supports_exclusive(fs) else "wb") as out:
                shutil.copyfileobj(f, out, 8 * 1024 * 1024)


def _replace_if_match(fs: Any, path: str, url: str, data: bytes, etag: str) -> None:
    conflict = WriteConflictError(f"{url} changed since it was read (its ETag is no longer {etag})")
    if "s3" in _protocols(fs) or "s3a" in _protocols(fs):
        try:
            fs.pipe_file(path, data, IfMatch=etag)  # S3 checks and writes in one request
        except Exception as ex:
            text = str(ex).lower()  # s3fs: "At least one of the pre-conditions you specified did not hold"
            if "precondition" in text or "pre-condition" in text or isinstance(ex, FileNotFoundError):
                raise conflict from None
            raise
        return
    if etag_of(url) != etag:
        raise conflict
    fs.pipe_file(path, data)


def etag_of(url: str) -> str | None:
    """The ETag of a remote object (None for local files, which have none)."""
    if is_local(url):
        return None
    fs, path = filesystem(url)
    fs.invalidate_cache(path)
    with errors(url):
        return _remote_info(url, fs.info(path)).etag


def _supports_exclusive(fs: Any) -> bool:
    """Whether a filesystem creates files exclusively itself (mode "xb")."""
    return any(p in ("s3", "s3a", "memory") for p in _protocols(fs))


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def write_bytes(url: str, data: bytes, exclusive: bool = False, if_match: str | None = None) -> None:
    with atomic_write(url, exclusive, if_match) as f:
        f.write(data)
