"""Run by inspect-ai's Python: its view of sample summaries, as JSON on stdout.

logs PATH...   the summaries it reads from each log (fields that are None
               left out, as it writes them), or the error it raises
thin FILE      for each summary (a JSON object) in the JSON list in FILE,
               the summary inspect-ai builds from it
fields         the fields of its EvalSampleSummary: [name, required, default]
"""

import json
import sys


def _dumped(summary):
    return json.loads(summary.model_dump_json(exclude_none=True))


def logs(paths):
    from inspect_ai.log import read_eval_log_sample_summaries

    out = {}
    for path in paths:
        try:
            out[path] = [_dumped(s) for s in read_eval_log_sample_summaries(path)]
        except Exception as ex:
            out[path] = {"error": f"{type(ex).__name__}: {ex}"}
    return out


def thin(path):
    from inspect_ai.log import EvalSampleSummary

    with open(path) as f:
        return [_dumped(EvalSampleSummary.model_validate(s)) for s in json.load(f)]


def fields():
    from inspect_ai.log import EvalSampleSummary

    out = []
    for name, field in EvalSampleSummary.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default
        out.append([name, field.is_required(), None if field.is_required() else default])
    return out


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    result = {"logs": lambda: logs(args), "thin": lambda: thin(args[0]), "fields": fields}[command]()
    print(json.dumps(result))
