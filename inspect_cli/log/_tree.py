"""Build log Structs from JSON without losing anything, and write them back.

Fast path: msgspec decodes the JSON text straight into the Structs. It fails
when the log holds something this model does not know (the Structs forbid
unknown fields, and the tagged unions reject unknown tags), and then the
tolerant path runs: decode to plain values, `clean` them (drop unknown keys,
wrap objects with unknown tags in OtherEvent/OtherContent), convert, and
`attach` the dropped keys to the objects they came from. `to_tree` writes an
object back as Inspect does (every field that is not None) plus those keys.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Collection, Iterator
from typing import Any

import msgspec
import msgspec.inspect as mi
from msgspec.structs import astuple

from . import _codec
from ._types import (
    SERIALIZER,
    UNKNOWN_TAG,
    EvalLog,
    EvalSample,
    LogStruct,
    OtherContent,
    OtherEvent,
    rebuilding,
)

_EXTRA = "_extra"  # {key: value} of the JSON keys the model does not know
_WRAPPERS = (OtherEvent, OtherContent)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic GC while decoding builds many objects at once.

    Every few hundred allocations would otherwise trigger a collection that
    walks the half-built log again; pausing more than halves decode time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def decode(data: Any, cls: type, what: str) -> Any:
    """Decode JSON text into a `cls` Struct, keeping what the model does not know.

    Messages keep the ids the log gives them (None where it has none), as
    Inspect's reader does."""
    with rebuilding():
        return build(data, cls, what)


def convert(value: Any, cls: type) -> Any:
    """Build a `cls` Struct from decoded JSON, keeping what the model does not know.

    Raises msgspec.ValidationError when a field the model knows has the wrong
    type. Messages keep their ids, as in `decode`.
    """
    with rebuilding():
        return build_from(value, cls)


def build(data: Any, cls: type, what: str) -> Any:
    """`decode`, except that messages without an id get a new one (as objects
    built in code do)."""
    with paused_gc():
        try:
            return _decoder(cls).decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass
        return build_from(_codec.loads(data, what), cls)


def build_from(value: Any, cls: type) -> Any:
    """`convert`, except that messages without an id get a new one."""
    with paused_gc():
        try:
            return msgspec.convert(value, cls)
        except msgspec.ValidationError:
            pass
        obj: Any = msgspec.convert(_cleaner(mi.type_info(cls))(value), cls)
        _attach_value(obj, value)
        return obj


_DECODERS: dict[type, msgspec.json.Decoder[Any]] = {}


def _decoder(cls: type) -> msgspec.json.Decoder[Any]:
    dec = _DECODERS.get(cls)
    if dec is None:
        dec = _DECODERS[cls] = msgspec.json.Decoder(cls)
    return dec


# ---------------------------------------------------------------------------
# Cleaning: a copy of decoded JSON that the Structs accept.

Cleaner = Callable[[Any], Any]
_STRUCT_CLEANERS: dict[type, _StructCleaner] = {}


def _cleaner(t: mi.Type) -> Cleaner:
    return _maybe_cleaner(t) or (lambda v: v)


def _maybe_cleaner(t: mi.Type) -> Cleaner | None:
    """A cleaner for values of type `t`, or None where nothing needs cleaning."""
    if isinstance(t, mi.StructType):
        cleaner = _STRUCT_CLEANERS.get(t.cls)
        if cleaner is None:
            cleaner = _STRUCT_CLEANERS[t.cls] = _StructCleaner(t)
        return cleaner
    if isinstance(t, (mi.ListType, mi.VarTupleType)):
        item = _maybe_cleaner(t.item_type)
        if item is None:
            return None
        return lambda v: [item(x) for x in v] if type(v) is list else v
    if isinstance(t, mi.DictType):
        value = _maybe_cleaner(t.value_type)
        if value is None:
            return None
        return lambda v: {k: value(x) for k, x in v.items()} if type(v) is dict else v
    if isinstance(t, mi.UnionType):
        return _union_cleaner(t)
    return None


def _union_cleaner(t: mi.UnionType) -> Cleaner | None:
    tagged: dict[Any, mi.StructType] = {}
    tag_field = None
    wrap = False
    on_dict: Cleaner | None = None
    on_list: Cleaner | None = None
    for member in t.types:
        if isinstance(member, mi.StructType) and member.tag_field is not None:
            tag_field = member.tag_field
            if member.tag == UNKNOWN_TAG:
                wrap = True
            else:
                tagged[member.tag] = member
        elif isinstance(member, (mi.StructType, mi.DictType)):
            on_dict = _maybe_cleaner(member)
        elif isinstance(member, (mi.ListType, mi.VarTupleType)):
            on_list = _maybe_cleaner(member)
    if not tagged and on_dict is None and on_list is None:
        return None
    members = {tag: _cleaner(member) for tag, member in tagged.items()}

    def clean(v: Any) -> Any:
        if type(v) is dict:
            if tag_field is not None:
                member = members.get(v.get(tag_field))
                if member is not None:
                    return member(v)
                if wrap:
                    return {tag_field: UNKNOWN_TAG, "data": v}
            return on_dict(v) if on_dict is not None else v
        if type(v) is list and on_list is not None:
            return on_list(v)
        return v

    return clean


class _StructCleaner:
    """Keeps the keys a Struct knows (cleaning their values); built lazily for recursive types."""

    def __init__(self, info: mi.StructType) -> None:
        self._info = info
        self._fields: dict[str, Cleaner | None] | None = None

    def __call__(self, v: Any) -> Any:
        if type(v) is not dict:
            return v
        fields = self._fields
        if fields is None:
            fields = {f.encode_name: _maybe_cleaner(f.type) for f in self._info.fields}
            if self._info.tag_field is not None:
                fields[self._info.tag_field] = None
            self._fields = fields
        out = {}
        for key, value in v.items():
            if key in fields:
                clean = fields[key]
                out[key] = value if clean is None else clean(value)
        return out


# ---------------------------------------------------------------------------
# Attaching the unknown keys to the objects built from the cleaned JSON.


class _Plan:
    """Per-class facts the walks need, computed once."""

    __slots__ = ("known", "fields", "nested", "nested_names", "tag", "rows")

    def __init__(self, cls: type) -> None:
        info = mi.type_info(cls)
        assert isinstance(info, mi.StructType)
        self.fields: list[tuple[str, str, bool]] = []  # (name, key, required)
        self.nested: list[tuple[str, str]] = []  # fields that may hold Structs
        for f in info.fields:
            self.fields.append((f.name, f.encode_name, f.required))
            if _may_hold_struct(f.type):
                self.nested.append((f.name, f.encode_name))
        self.nested_names = frozenset(name for name, _ in self.nested)
        # (key, required, may hold structs), in field order (the order of astuple)
        self.rows = tuple((key, required, name in self.nested_names) for name, key, required in self.fields)
        self.tag = (info.tag_field, info.tag) if info.tag_field is not None else None
        known = {key for _, key, _ in self.fields}
        if self.tag is not None:
            known.add(self.tag[0])
        self.known = frozenset(known)


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _Plan(cls)
    return plan


def _may_hold_struct(t: mi.Type) -> bool:
    if isinstance(t, mi.StructType):
        return True
    if isinstance(t, (mi.ListType, mi.VarTupleType)):
        return _may_hold_struct(t.item_type)
    if isinstance(t, mi.DictType):
        return _may_hold_struct(t.value_type)
    if isinstance(t, mi.UnionType):
        return any(_may_hold_struct(x) for x in t.types)
    return False


def attach(obj: LogStruct, raw: Any) -> None:
    """Record on `obj` (and its children) the keys of `raw` the model does not know."""
    if isinstance(obj, _WRAPPERS) or type(raw) is not dict:
        return
    plan = _plan(type(obj))
    if not plan.known.issuperset(raw):
        obj.__dict__[_EXTRA] = {k: v for k, v in raw.items() if k not in plan.known}
    for name, key in plan.nested:
        sub = raw.get(key)
        if sub is not None:
            _attach_value(getattr(obj, name), sub)


def _attach_value(value: Any, raw: Any) -> None:
    if isinstance(value, LogStruct):
        attach(value, raw)
    elif type(value) is list and type(raw) is list:
        for item, raw_item in zip(value, raw):
            if isinstance(item, LogStruct):
                attach(item, raw_item)
    elif type(value) is dict and type(raw) is dict:
        for key, item in value.items():
            if isinstance(item, LogStruct):
                attach(item, raw.get(key))


def extra_fields(obj: LogStruct) -> dict[str, Any]:
    """The fields of `obj` (as read) that the model does not know."""
    if isinstance(obj, _WRAPPERS):
        return dict(obj.data)
    return dict(obj.__dict__.get(_EXTRA) or {})


# ---------------------------------------------------------------------------
# Writing


def to_tree(obj: LogStruct, exclude: Collection[str] = (), keep_none: bool = False) -> dict[str, Any]:
    """The JSON value of `obj`: its fields that are not None, then its unknown keys.

    Required fields are written even when None (old logs hold null there),
    and with `keep_none` every field (pydantic's `model_dump`).
    `exclude` names top-level keys to leave out.
    """
    if isinstance(obj, _WRAPPERS):
        return dict(obj.data)
    plan = _plan(type(obj))
    out: dict[str, Any] = {}
    if plan.tag is not None:
        out[plan.tag[0]] = plan.tag[1]
    for (key, required, nested), value in zip(plan.rows, astuple(obj)):
        if value is None:
            if (required or keep_none) and key not in exclude:
                out[key] = None
            continue
        if key in exclude:
            continue
        out[key] = _value(value, keep_none) if nested else value
    extra = obj.__dict__.get(_EXTRA)
    if extra:
        for key, value in extra.items():
            if key not in out and key not in exclude:
                out[key] = value
    return out


def _value(value: Any, keep_none: bool) -> Any:
    if isinstance(value, LogStruct):
        return to_tree(value, keep_none=keep_none)
    if type(value) is list:
        return [to_tree(v, keep_none=keep_none) if isinstance(v, LogStruct) else v for v in value]
    if type(value) is dict:
        return {k: to_tree(v, keep_none=keep_none) if isinstance(v, LogStruct) else v for k, v in value.items()}
    return value


class _Serializer:
    """The model's `model_*` methods (see `LogStruct`), on this module's functions."""

    def dump(self, obj: Any, exclude_none: bool, exclude: Collection[str]) -> dict[str, Any]:
        return to_tree(obj, exclude, keep_none=not exclude_none)

    def dumps(self, value: Any, indent: bool) -> str:
        return _codec.dumps(value, indent=indent).decode()

    # model_validate builds objects as code does: messages without an id get one (as Inspect's)
    def convert(self, value: Any, cls: type) -> Any:
        return build_from(value, cls)

    def decode(self, data: str | bytes, cls: type) -> Any:
        return build(data.encode() if isinstance(data, str) else data, cls, cls.__name__)


SERIALIZER[0] = _Serializer()


# ---------------------------------------------------------------------------
# What writers write

Packed = tuple[int, int, int, bytes]  # an .eval entry as stored (see ZipReader.read_packed)


# Set on an EvalSpec by the reader that made up its eval_id (see _derive):
# (the id made up, the file's own: "" or None for absent).
DERIVED_EVAL_ID = "_derived_eval_id"


def file_eval_id(log: EvalLog, tree: dict[str, Any]) -> dict[str, Any]:
    """`tree` with the file's own eval_id where the reader made one up and it
    was left as made: Inspect reading the copy makes up its own, as from the
    original, instead of finding ours."""
    made = log.eval.__dict__.get(DERIVED_EVAL_ID)
    spec = tree.get("eval")
    if made is None or log.eval.eval_id != made[0] or not isinstance(spec, dict):
        return tree
    if made[1] is None:
        spec = {k: v for k, v in spec.items() if k != "eval_id"}
    else:
        spec = {k: (made[1] if k == "eval_id" else v) for k, v in spec.items()}
    return {**tree, "eval": spec}


class Trees:
    """The JSON values a writer writes for a log: every object in full."""

    def header(self, log: EvalLog) -> dict[str, Any]:
        return file_eval_id(log, to_tree(log, exclude=("samples",)))

    def sample(self, sample: EvalSample) -> tuple[dict[str, Any] | None, Packed | None]:
        """The sample's value, and its stored entry when it can be copied as is
        (the value is then None when it was not needed to decide that)."""
        return to_tree(sample), None

    def summaries(self) -> bytes | None:
        """The stored `summaries.json` when it still describes the samples written."""
        return None

    def whole(self) -> bytes | None:
        """The original file's bytes when the log is written unchanged to the same format."""
        return None

    def mixed_shapes(self) -> bool:
        """Whether what was produced mixes schema versions (then write every object in full)."""
        return False


PLAIN = Trees()
