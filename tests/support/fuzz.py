"""Mutants of real logs, for the fuzz tests: damaged, hostile and odd files of
both formats, made reproducibly from a seed.

Run as a script on a folder of mutants (`python -m support.fuzz DIR`), it
reads each one every way the library can, in this process, under a memory
limit and a time limit per file, and prints one JSON object: the files whose
reading raised anything but the documented errors, hung, or ran out of memory.
"""

from __future__ import annotations

import io
import json
import random
import signal
import struct
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Mutant = tuple[str, bytes]  # (file name, content)

DEEP = 3000  # nesting beyond Python's recursion limit


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nodes(item, (*path, index))


def _replace(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = root
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return root


_MARKER = "\u0000INVALID-UTF8\u0000"  # replaced by raw bytes that are not UTF-8, after encoding


def _hostile_value(rng: random.Random) -> Any:
    choices: list[Callable[[], Any]] = [
        lambda: 2**64 + rng.randrange(1000),
        lambda: -(2**70),
        lambda: 10**400,  # beyond a float
        lambda: [],
        lambda: {},
        lambda: None,
        lambda: True,
        lambda: "",
        lambda: rng.random(),
        lambda: "x" * rng.choice([1, 1000, 200_000]),
        lambda: [[1]] * 5,
        lambda: {"event": "model"},
        lambda: {"type": "nonsense", "value": [1, 2]},
        lambda: _MARKER,
        lambda: "DEEP",
        lambda: "NAN",
    ]
    return rng.choice(choices)()


_SHAPES = (
    ("status",),
    ("version",),
    ("eval",),
    ("eval", "task"),
    ("eval", "created"),
    ("eval", "model"),
    ("eval", "dataset"),
    ("eval", "config"),
    ("plan",),
    ("plan", "steps"),
    ("results",),
    ("results", "scores"),
    ("stats",),
    ("error",),
    ("samples",),
    ("reductions",),
)


def _encode(tree: Any, rng: random.Random) -> bytes:
    text = json.dumps(tree, allow_nan=True)
    text = text.replace('"DEEP"', "[" * DEEP + "]" * DEEP).replace('"NAN"', "NaN")
    data = text.encode("utf-8", "surrogatepass")
    return data.replace(json.dumps(_MARKER).encode()[1:-1], b"\xff\xfe\xc0\x80")


def mutate_tree(tree: Any, rng: random.Random) -> Any:
    """A JSON value with one to three hostile changes."""
    for _ in range(rng.randint(1, 3)):
        if isinstance(tree, dict) and rng.random() < 0.4:
            shape = rng.choice(_SHAPES)
            try:
                _replace(tree, shape, _hostile_value(rng))
                continue
            except (KeyError, TypeError, IndexError):
                pass
        nodes = list(_nodes(tree))
        path, node = rng.choice(nodes)
        action = rng.random()
        if action < 0.6 or not path:
            tree = _replace(tree, path, _hostile_value(rng))
        elif action < 0.8:
            parent = tree
            for key in path[:-1]:
                parent = parent[key]
            del parent[path[-1]]
        else:
            _replace(tree, path, [node, node] if rng.random() < 0.5 else {"wrapped": node})
    return tree


def _bytes_damage(data: bytes, rng: random.Random) -> bytes:
    kind = rng.random()
    buffer = bytearray(data)
    if kind < 0.3 and buffer:
        for _ in range(rng.randint(1, 20)):
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
        return bytes(buffer)
    if kind < 0.6:
        return bytes(buffer[: rng.randrange(len(buffer) + 1)])
    if kind < 0.8:
        at = rng.randrange(len(buffer) + 1)
        return bytes(buffer[:at]) + rng.randbytes(rng.randint(1, 64)) + bytes(buffer[at:])
    at = rng.randrange(len(buffer) + 1)
    return bytes(buffer[:at]) + b"\xff\xfe\x80" + bytes(buffer[at:])


# -- .eval archives -------------------------------------------------------------


def _entries(data: bytes) -> list[tuple[str, bytes]]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        out = []
        for info in z.infolist():
            try:
                out.append((info.filename, z.read(info)))
            except (NotImplementedError, RuntimeError):  # zstd entries: zipfile cannot read them
                return []
        return out


def _zip(entries: list[tuple[str, bytes]], level: int = 6) -> bytes:
    import warnings
    import zipfile

    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        for name, data in entries:
            z.writestr(name, data)
    return out.getvalue()


def _bomb(entries: list[tuple[str, bytes]], rng: random.Random) -> bytes:
    """An archive whose reductions (or header) inflate to hundreds of MB."""
    name = rng.choice(["reductions.json", "header.json", "summaries.json"])
    inflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    size = 300 * 1024 * 1024
    chunk = b"[" + b"0," * (512 * 1024)
    packed = bytearray()
    crc = 0
    written = 0
    while written < size:
        packed += inflater.compress(chunk)
        crc = zlib.crc32(chunk, crc)
        written += len(chunk)
    packed += inflater.flush()
    out = io.BytesIO(_zip([e for e in entries if e[0] != name]))
    return _append_raw_entry(out.getvalue(), name, bytes(packed), written, crc)


def _append_raw_entry(archive: bytes, name: str, packed: bytes, size: int, crc: int) -> bytes:
    """`archive` with one more deflated entry given as raw bytes (a hand-made zip)."""
    end = archive.rfind(b"PK\x05\x06")
    _, _, _, _, count, cd_size, cd_offset, _ = struct.unpack_from("<4sHHHHIIH", archive, end)
    body = archive[:cd_offset]
    directory = archive[cd_offset : cd_offset + cd_size]
    encoded = name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), size, len(encoded), 0)
    offset = len(body)
    body += local + encoded + packed
    record = struct.pack(
        "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(packed), size, len(encoded), 0, 0, 0, 0, 0,
        offset,
    )  # fmt: skip
    directory += record + encoded
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count + 1, count + 1, len(directory), len(body), 0)
    return body + directory + eocd


def _fake_directories(data: bytes, rng: random.Random) -> bytes:
    """Thousands of fake end-of-directory records after a truncated archive."""
    fake = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, 0xFFFF, 0, 0)
    return data[: len(data) // 2] + (rng.randbytes(7) + fake) * rng.choice([2000, 20000])


def mutate_eval(data: bytes, rng: random.Random) -> bytes:
    entries = _entries(data)
    kind = rng.random()
    if not entries or kind < 0.25:
        return _bytes_damage(data, rng)
    if kind < 0.55:
        index = rng.randrange(len(entries))
        name, content = entries[index]
        try:
            tree = json.loads(content)
            entries[index] = (name, _encode(mutate_tree(tree, rng), rng))
        except ValueError:
            entries[index] = (name, _bytes_damage(content, rng))
        return _zip(entries)
    if kind < 0.65:
        return _bomb(entries, rng)
    if kind < 0.72:
        return _fake_directories(data, rng)
    if kind < 0.85:
        # an entry dropped, duplicated with other content, or renamed
        index = rng.randrange(len(entries))
        name, content = entries[index]
        choice = rng.random()
        if choice < 0.33:
            del entries[index]
        elif choice < 0.66:
            entries.append((name, b'{"not": "what it was"}'))
        else:
            entries[index] = (
                rng.choice(["samples/../x.json", "samples/x_epoch_99999999999999999999.json", "samples/.json", "/"]),
                content,
            )
        return _zip(entries)
    # damage inside the zip structure (directory, local headers)
    archive = bytearray(_zip(entries))
    at = archive.rfind(b"PK\x01\x02") if rng.random() < 0.5 else archive.find(b"PK\x03\x04", 1)
    for _ in range(rng.randint(1, 6)):
        position = max(0, at) + rng.randrange(46)
        if position < len(archive):
            archive[position] = rng.randrange(256)
    return bytes(archive)


def mutate_json(data: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.3:
        return _bytes_damage(data, rng)
    tree = json.loads(data)
    return _encode(mutate_tree(tree, rng), rng)


def mutants(sources: list[Path], seed: int, count: int) -> list[Mutant]:
    """`count` mutants of the source logs (alternating formats), the same for the same seed."""
    rng = random.Random(seed)
    by_format = {suffix: [p for p in sources if p.suffix == suffix] for suffix in (".eval", ".json")}
    out: list[Mutant] = []
    for i in range(count):
        suffix = (".eval", ".json")[i % 2]
        source = rng.choice(by_format[suffix])
        mutate = mutate_eval if suffix == ".eval" else mutate_json
        name = f"2026-01-01T00-00-00-00-00_mutant{i:04d}_{source.stem[-8:]}{suffix}"
        out.append((name, mutate(source.read_bytes(), rng)))
    return out


# -- the worker ----------------------------------------------------------------


def _reads(path: Path) -> list[tuple[str, Callable[[], Any]]]:
    from inspect_cli.log import (
        read_eval_log,
        read_eval_log_sample,
        read_eval_log_sample_summaries,
        read_eval_log_samples,
    )
    from inspect_cli.log._dump import dump_eval_log
    from inspect_cli.log._file import read_eval_log_header

    return [
        ("header", lambda: read_eval_log(path, header_only=True)),
        ("listing header", lambda: read_eval_log_header(path)),
        ("full", lambda: read_eval_log(path)),
        ("resolved", lambda: read_eval_log(path, resolve_attachments=True)),
        ("samples", lambda: list(read_eval_log_samples(path, all_samples_required=False))),
        ("sample", lambda: read_eval_log_sample(path, "q01", 1)),
        ("summaries", lambda: read_eval_log_sample_summaries(path)),
        ("dump", lambda: dump_eval_log(path, io.BytesIO().write)),
    ]


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang


def run_worker(folder: Path, seconds: int, memory: int) -> dict[str, Any]:
    import resource

    from inspect_cli.errors import InspectCliError

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    signal.signal(signal.SIGALRM, _alarm)
    problems: list[dict[str, str]] = []
    reads = 0
    for path in sorted(folder.iterdir()):
        for what, read in _reads(path):
            reads += 1
            signal.alarm(seconds)
            try:
                read()
            except InspectCliError:
                pass
            except _Hang:
                problems.append({"file": path.name, "read": what, "problem": f"no answer in {seconds} s"})
            except BaseException as ex:  # noqa: BLE001  (anything else is what we look for)
                problems.append({"file": path.name, "read": what, "problem": f"{type(ex).__name__}: {ex}"[:300]})
            finally:
                signal.alarm(0)
    return {"reads": reads, "problems": problems}


if __name__ == "__main__":
    sys.setrecursionlimit(sys.getrecursionlimit())
    result = run_worker(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
    print(json.dumps(result))
