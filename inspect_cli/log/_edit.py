"""Edits of a finished log: its tags and metadata, and which samples count.

Every edit is recorded with who made it (`ProvenanceData`): tag and metadata
edits as a `LogUpdate` in `log.log_updates`, invalidation on the sample. Only
the edits that change something are recorded, as Inspect records them, and
the functions return a new log, leaving the one passed in as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import msgspec

from ..errors import LogEditError
from ._types import EvalLog, EvalSample, LogEdit, LogUpdate, MetadataEdit, ProvenanceData, TagsEdit

S = TypeVar("S", bound=msgspec.Struct)


def copy_struct(obj: S, **changes: Any) -> S:
    """`obj` with `changes`, keeping what the reader attached to it (unknown
    fields, location), which msgspec's replace would drop."""
    out = msgspec.structs.replace(obj, **changes)
    out.__dict__.update(obj.__dict__)
    return out


def edit_eval_log(log: EvalLog, edits: Sequence[LogEdit], provenance: ProvenanceData) -> EvalLog:
    """Apply tag and metadata edits in order, recorded as one `LogUpdate`.

    Each edit is reduced to what it changes given the edits before it; when
    nothing changes, `log` itself is returned.
    """
    tags = list(log.tags)
    metadata = dict(log.metadata)
    applied: list[TagsEdit | MetadataEdit] = []
    for edit in edits:
        if isinstance(edit, TagsEdit):
            _require_names("tag", [*edit.tags_add, *edit.tags_remove])
            both = set(edit.tags_add) & set(edit.tags_remove)
            if both:
                raise LogEditError(f"Tag(s) {both} appear in both tags_add and tags_remove.")
            add = [t for t in edit.tags_add if t not in tags]
            remove = [t for t in edit.tags_remove if t in tags]
            if add or remove:
                tags = sorted((set(tags) | set(add)) - set(remove))
                applied.append(TagsEdit(tags_add=add, tags_remove=remove))
        elif isinstance(edit, MetadataEdit):
            _require_names("metadata key", [*edit.metadata_set, *edit.metadata_remove])
            both = set(edit.metadata_set) & set(edit.metadata_remove)
            if both:
                raise LogEditError(f"Metadata key(s) {both} appear in both metadata_set and metadata_remove.")
            changed = {k: v for k, v in edit.metadata_set.items() if k not in metadata or metadata[k] != v}
            remove = [k for k in edit.metadata_remove if k in metadata]
            if changed or remove:
                metadata.update(changed)
                for key in remove:
                    del metadata[key]
                applied.append(MetadataEdit(metadata_set=changed, metadata_remove=remove))
        else:
            raise LogEditError(f"not a log edit: {edit!r}")
    if not applied:
        return log
    update = LogUpdate(edits=applied, provenance=provenance)
    return copy_struct(log, tags=tags, metadata=metadata, log_updates=[*(log.log_updates or []), update])


def _require_names(what: str, names: list[str]) -> None:
    """Blank tags and metadata keys are refused, as Inspect refuses them: they
    could not be told apart in listings or removed by name."""
    for name in names:
        if not name.strip():
            raise LogEditError(f"a {what} must be a non-empty string, not {name!r}")


def invalidate_samples(
    log: EvalLog, sample_uuids: Sequence[str] | Literal["all"], provenance: ProvenanceData
) -> EvalLog:
    """Mark samples (by uuid, or "all") as not to be counted; the log is then invalidated."""
    return _set_invalidation(log, sample_uuids, provenance)


def uninvalidate_samples(log: EvalLog, sample_uuids: Sequence[str] | Literal["all"]) -> EvalLog:
    """Count samples again; the log stays invalidated while any sample is."""
    return _set_invalidation(log, sample_uuids, None)


def _set_invalidation(
    log: EvalLog, sample_uuids: Sequence[str] | Literal["all"], provenance: ProvenanceData | None
) -> EvalLog:
    samples = log.samples or []
    if sample_uuids == "all":
        chosen = {s.uuid for s in samples}
    else:
        chosen = set(sample_uuids)
        missing = sorted(chosen - {s.uuid for s in samples if s.uuid is not None}, key=str)
        if missing:
            raise LogEditError(f"Samples {missing} not found in log")
    if not samples or not chosen:
        return log
    edited: list[EvalSample] = [copy_struct(s, invalidation=provenance) if s.uuid in chosen else s for s in samples]
    return copy_struct(log, samples=edited, invalidated=any(s.invalidation is not None for s in edited))
