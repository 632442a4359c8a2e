"""Datasets from CSV and JSON (array or JSON Lines) files, local or remote."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from typing import Any

from .. import storage
from ..errors import InspectCliError
from ._sample import Dataset, Sample


class FieldSpec:
    """Which record fields become which sample fields."""

    def __init__(
        self,
        input: str = "input",
        target: str = "target",
        choices: str = "choices",
        id: str = "id",
        metadata: list[str] | None = None,
        sandbox: str = "sandbox",
        files: str = "files",
        setup: str = "setup",
    ) -> None:
        self.input, self.target, self.choices, self.id = input, target, choices, id
        self.metadata, self.sandbox, self.files, self.setup = metadata, sandbox, files, setup


RecordToSample = Callable[[dict[str, Any]], "Sample | list[Sample]"]


def _sample_from(record: dict[str, Any], spec: FieldSpec) -> Sample:
    if spec.input not in record:
        raise InspectCliError(f"dataset record has no '{spec.input}' field: {sorted(record)}")
    choices = record.get(spec.choices)
    if isinstance(choices, str):
        choices = [c for c in choices.split(",")] if choices else None
    metadata = {name: record.get(name) for name in spec.metadata} if spec.metadata else None
    return Sample(
        input=record[spec.input],
        choices=choices,
        target=record.get(spec.target, ""),
        id=record.get(spec.id) if record.get(spec.id) not in ("", None) else None,
        metadata=metadata,
        sandbox=record.get(spec.sandbox),
        files=record.get(spec.files),
        setup=record.get(spec.setup),
    )


def _converter(sample_fields: FieldSpec | RecordToSample | None) -> Callable[[dict[str, Any]], list[Sample]]:
    if callable(sample_fields) and not isinstance(sample_fields, FieldSpec):

        def convert(record: dict[str, Any]) -> list[Sample]:
            result = sample_fields(record)
            return result if isinstance(result, list) else [result]

        return convert
    spec = sample_fields or FieldSpec()
    return lambda record: [_sample_from(record, spec)]


def _finish(
    samples: list[Sample],
    name: str | None,
    location: str,
    auto_id: bool,
    shuffle: bool,
    seed: int | None,
    limit: int | None,
) -> Dataset:
    dataset = Dataset(samples, name or os.path.splitext(os.path.basename(location))[0], location)
    if auto_id:
        for i, sample in enumerate(dataset.samples, start=1):
            sample.id = i
    if shuffle:
        dataset.shuffle(seed)
    if limit is not None:
        dataset = dataset[:limit]
    return dataset


def _read_text(location: str, encoding: str) -> str:
    with storage.errors(location):
        data = storage.read_bytes(location)
    return bytes(data).decode(encoding)


def csv_dataset(
    csv_file: str,
    sample_fields: FieldSpec | RecordToSample | None = None,
    auto_id: bool = False,
    shuffle: bool = False,
    seed: int | None = None,
    limit: int | None = None,
    dialect: str = "unix",
    encoding: str = "utf-8",
    name: str | None = None,
    delimiter: str = ",",
) -> Dataset:
    """Samples from a CSV file with a header row."""
    text = _read_text(csv_file, encoding)
    reader = csv.DictReader(io.StringIO(text), dialect=dialect, delimiter=delimiter)
    convert = _converter(sample_fields)
    samples = [s for record in reader for s in convert(dict(record))]
    return _finish(samples, name, csv_file, auto_id, shuffle, seed, limit)


def json_dataset(
    json_file: str,
    sample_fields: FieldSpec | RecordToSample | None = None,
    auto_id: bool = False,
    shuffle: bool = False,
    seed: int | None = None,
    limit: int | None = None,
    encoding: str = "utf-8",
    name: str | None = None,
) -> Dataset:
    """Samples from a JSON array file, or a JSON Lines file (`.jsonl`)."""
    text = _read_text(json_file, encoding)
    try:
        if json_file.lower().endswith(".jsonl") or not text.lstrip().startswith("["):
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            records = json.loads(text)
    except json.JSONDecodeError as ex:
        raise InspectCliError(f"{json_file}: invalid JSON ({ex.msg}, line {ex.lineno})") from None
    convert = _converter(sample_fields)
    samples = [s for record in records for s in convert(record)]
    return _finish(samples, name, json_file, auto_id, shuffle, seed, limit)
