"""Every location is a URL: a local path, `file://`, `s3://`, `memory://`, ...

Local paths are served by the standard library (fast start, mmap, atomic
rename). Anything else goes through fsspec, which `filesystem()` alone imports,
so s3fs/botocore load only when a remote URL is used.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from .errors import InspectCliError, MissingPackageError, NotFoundError, StorageError

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


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem for `url` and the path within it."""
    proto = scheme(url) or "file"
    try:
        import fsspec

        return fsspec.core.url_to_fs(url)
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
    except FileNotFoundError:
        raise NotFoundError(f"{url}: no such file or directory") from None
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
    return FileInfo(url, int(entry.get("size") or 0), float(mtime))


def is_dir(url: str) -> bool:
    with errors(url):
        if is_local(url):
            return os.path.isdir(local_path(url))
        fs, path = filesystem(url)
        return bool(fs.isdir(path))


def list_files(url: str, recursive: bool = True) -> list[FileInfo]:
    """The files in the folder `url` (and its subfolders, but hidden ones, when
    `recursive`), in no particular order; none when the folder does not exist.

    Local folders are walked without following symlinks to folders (as
    Inspect lists them: a link to `.` or `/` cannot make the walk endless);
    symlinks to files are listed. Remote listings are never served from
    fsspec's cache (a long-lived process sees new files).
    """
    with errors(url):
        return _local_files(url, recursive) if is_local(url) else _remote_files(url, recursive)


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


def _remote_files(url: str, recursive: bool) -> list[FileInfo]:
    fs, path = filesystem(url)
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


def exists(url: str) -> bool:
    with errors(url):
        if is_local(url):
            return os.path.exists(local_path(url))
        fs, path = filesystem(url)
        return bool(fs.exists(path))


def read_bytes(url: str) -> bytes | mmap.mmap:
    """The whole content of `url`; local files are memory-mapped, not copied."""
    with errors(url):
        if is_local(url):
            with open(local_path(url), "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size == 0:
                    return b""
                return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        fs, path = filesystem(url)
        return fs.cat_file(path)


def open_read(url: str) -> IO[bytes]:
    """A seekable binary file; remote files fetch only the byte ranges read."""
    with errors(url):
        if is_local(url):
            return open(local_path(url), "rb")
        fs, path = filesystem(url)
        return fs.open(path, "rb", block_size=256 * 1024, cache_type="readahead")


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
def atomic_write(url: str) -> Iterator[IO[bytes]]:
    """A binary file whose content replaces `url` only when the block succeeds.

    Locally: a temporary file in the same folder, renamed over the target.
    Remotely: a local temporary file uploaded in one request at the end (an
    object store never exposes a partial object).
    """
    with errors(url):
        if is_local(url):
            with local_replacement(local_path(url)) as f:
                yield f
            return
        fs, path = filesystem(url)
        with tempfile.TemporaryFile() as f:
            yield f
            f.seek(0)
            with fs.open(path, "wb") as out:
                while chunk := f.read(8 * 1024 * 1024):
                    out.write(chunk)


def write_bytes(url: str, data: bytes) -> None:
    with atomic_write(url) as f:
        f.write(data)
