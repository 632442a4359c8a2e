"""Run by the real inspect-ai (in its own venv): does it read our copy of a log
exactly as it reads the original? Prints one JSON result per pair.

Usage: python inspect_ai_compare.py JOBS.json  (a list of [original, copy] paths)
"""

import json
import math
import sys

from inspect_ai.log import read_eval_log


def differences(a, b, path="$", out=None):
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a.keys() | b.keys():
            if key not in a or key not in b:
                out.append(f"{path}.{key}: only in {'copy' if key in b else 'original'}")
            else:
                differences(a[key], b[key], f"{path}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} != {len(b)} items")
        for i, (x, y) in enumerate(zip(a, b)):
            differences(x, y, f"{path}[{i}]", out)
    elif isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        pass
    elif a != b or type(a) is not type(b):
        out.append(f"{path}: {str(a)[:60]!r} != {str(b)[:60]!r}")
    return out


def dump(path, header_only, same_format):
    log = read_eval_log(path, header_only=header_only, resolve_attachments=True)
    exclude = {"location", "etag"}
    if header_only and not same_format:
        exclude.add("reductions")  # Inspect's header-only read keeps them for .eval, drops them for .json
    return log.model_dump(exclude=exclude)


results = []
for original, copy in json.load(open(sys.argv[1])):
    for header_only in (False, True):
        try:
            same_format = original.rsplit(".", 1)[-1] == copy.rsplit(".", 1)[-1]
            expected = dump(original, header_only, same_format)
            if header_only and not same_format:
                # Rewritten in the other format, a log carries the sample ids Inspect
                # derives from the samples in a full read (its own rewrite does too).
                full = read_eval_log(original)
                expected["eval"]["dataset"]["sample_ids"] = full.eval.dataset.sample_ids
            # Inspect makes up some values afresh (at random) when it upgrades an
            # old log (event uuids and working_start, message ids): two reads of
            # the original differ there, so those places are not compared.
            noise = {d.split(":")[0] for d in differences(expected, dump(original, header_only, same_format))}
            diff = [
                d for d in differences(expected, dump(copy, header_only, same_format)) if d.split(":")[0] not in noise
            ]
        except Exception as ex:  # report, do not stop the other pairs
            diff = [f"{type(ex).__name__}: {str(ex)[:300]}"]
        results.append({"original": original, "copy": copy, "header_only": header_only, "differences": diff})
print(json.dumps(results))
