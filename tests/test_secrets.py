"""API keys never appear in a log, in output or in an error message.

Tried the ways a careless user or a hostile server would leak one: a
provider's error body quoting the key, secret-named model arguments (long
and short), credentials inside the model's base URL, a task that logs an
environment secret; then every place the key could surface: the eval's
stdout and stderr, each entry of the log file, `list logs`, `log dump`,
`eval-retry` and the viewer's answers.
"""

from __future__ import annotations

import json
import os
import struct
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import pytest

from inspect_cli import _secrets
from inspect_cli.log import list_eval_logs, read_eval_log

from support.cli_runner import MODES, Result, run_inspect
from support.helpers import FIXTURES, load_json

KEY = "sk-test-secret-openai-key"  # OPENAI_API_KEY, as the model_server fixture sets it
REDACTED = "<redacted>"

TASK_FILE = """
from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.scorer import includes
from inspect_cli.solver import generate


@task
def sums():
    samples = [Sample(input=f"What is {i}+{i}?", target=str(2 * i), id=f"s{i}") for i in range(1, 4)]
    return Task(dataset=samples, solver=generate(), scorer=includes())
"""

# A task that handles secrets carelessly: logs them, keeps them in metadata and the store.
LEAKY_TASK_FILE = """
import logging
import os

from inspect_cli import Task, task
from inspect_cli.dataset import Sample
from inspect_cli.scorer import includes
from inspect_cli.solver import generate, solver

logger = logging.getLogger("leaky")


@solver
def call_service():
    async def solve(state, generate):
        token = os.environ["MY_SERVICE_TOKEN"]
        logger.warning("calling the service with token %s", token)
        state.store["service_token"] = token
        return state

    return solve


@task
def leaky():
    logger.info("building with OpenAI key %s", os.environ["OPENAI_API_KEY"])
    metadata = {"env": os.environ["MY_SERVICE_TOKEN"], "openai": os.environ["OPENAI_API_KEY"]}
    return Task(
        dataset=[Sample(input="Say 1", target="1", id="a", metadata=metadata)],
        solver=[call_service(), generate()],
        scorer=includes(),
    )
"""


def _server_env() -> dict[str, str]:
    """What a subprocess needs to reach the model server quickly (INSPECT_* are not inherited)."""
    return {k: os.environ[k] for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "INSPECT_CLI_RETRY_DELAY")}


def _texts_of(path: Path) -> list[bytes]:
    """A log file's bytes and, for a .eval, every zip entry's decompressed bytes:
    each local entry found in the file (stale copies included), not only the
    ones its central directory lists."""
    data = path.read_bytes()
    texts = [data]
    if path.suffix != ".eval":
        return texts
    at = data.find(b"PK\x03\x04")
    while at >= 0:
        (_, _, flags, method, _, _, _, packed, _, name_len, extra_len) = struct.unpack_from("<4sHHHHHIIIHH", data, at)
        start = at + 30 + name_len + extra_len
        name = data[at + 30 : at + 30 + name_len].decode("utf-8", "replace")
        if method == 8:
            texts.append(zlib.decompressobj(-15).decompress(data[start:]))
        elif method == 0 and not flags & 0x08:
            texts.append(data[start : start + packed])
        else:  # another method (zstd): read it through our reader, by name
            from inspect_cli.log._zip import ZipReader

            with open(path, "rb") as f:
                texts.append(ZipReader(f, str(path)).read(name))
        at = data.find(b"PK\x03\x04", at + 4)
    assert len(texts) > 3, "no zip entries found"
    return texts


def _assert_absent(secrets: tuple[str, ...], *texts: str | bytes) -> None:
    for secret in secrets:
        for text in texts:
            haystack = text if isinstance(text, bytes) else text.encode()
            assert secret.encode() not in haystack, f"{secret!r} leaked in {haystack[:2000]!r}"


def _only_log(log_dir: Path) -> Path:
    [info] = list_eval_logs(log_dir)
    return Path(info.name.removeprefix("file://"))


def _eval(mode: str, cwd: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_inspect(mode, ["eval", "sums.py", "--display", "plain", *args], cwd, env=env or _server_env())


# -- a provider's error body that echoes the API key ------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", ["401", "500"])
@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_an_error_body_quoting_the_key_is_redacted_everywhere(
    tmp_path: Path, model_server: Any, mode: str, status: str, fmt: str
) -> None:
    (tmp_path / "sums.py").write_text(TASK_FILE)
    model_server.echo_key = True
    model_server.fail_always = (status, None)
    result = _eval(mode, tmp_path, "--model", "openai/gpt-test", "--max-retries", "1", "--log-format", fmt)
    assert result.exit_code == 1, result.stderr
    assert model_server.requests >= 1 and model_server.headers[0]["Authorization"] == f"Bearer {KEY}"
    _assert_absent((KEY,), result.stdout, result.stderr)
    assert f"Incorrect API key provided: {REDACTED}" in result.stdout  # the summary's error line
    assert "Traceback" not in result.stderr
    if status == "500":  # retried: the first failure is shown as a warning, redacted too
        assert f"Warning: retrying: HTTP 500 from {model_server.url}/v1/chat/completions" in result.stderr
        assert f"Incorrect API key provided: {REDACTED}" in result.stderr

    path = _only_log(tmp_path / "logs")
    assert path.suffix == f".{fmt}"
    _assert_absent((KEY,), *_texts_of(path))
    log = read_eval_log(str(path))
    assert log.status == "error" and log.error is not None
    assert f"Incorrect API key provided: {REDACTED}" in log.error.message
    assert f"Incorrect API key provided: {REDACTED}" in log.error.traceback

    listing = run_inspect(mode, ["list", "logs", "--long"], tmp_path)
    as_json = run_inspect(mode, ["list", "logs", "--long", "--json"], tmp_path)
    assert listing.exit_code == 0 and as_json.exit_code == 0
    [record] = load_json(as_json.stdout)
    assert record["status"] == "error" and f"Incorrect API key provided: {REDACTED}" in record["error"]
    dumped = run_inspect(mode, ["log", "dump", str(path)], tmp_path)
    assert dumped.exit_code == 0 and f"Incorrect API key provided: {REDACTED}" in dumped.stdout
    retried = run_inspect(mode, ["eval-retry", str(path), "--display", "plain"], tmp_path, env=_server_env())
    assert retried.exit_code == 1, retried.stderr
    assert f"Incorrect API key provided: {REDACTED}" in retried.stdout
    for output in (listing, as_json, dumped, retried):
        _assert_absent((KEY,), output.stdout, output.stderr)
    for retry_log in list_eval_logs(tmp_path / "logs"):
        _assert_absent((KEY,), *_texts_of(Path(retry_log.name.removeprefix("file://"))))


@pytest.mark.parametrize("mode", MODES)
def test_a_log_someone_else_wrote_with_the_key_in_it_is_shown_redacted(
    tmp_path: Path, model_server: Any, mode: str
) -> None:
    """A log not written by us (Inspect's own, say) holding the key: what we print of it is redacted."""
    source = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-30-00-00_arith-flaky_EsPNFGpD8ZoQNBwMkNN4aa.json"
    data = json.loads(source.read_text())
    data["eval"]["model"] = f"openai/{KEY}"
    data["error"]["message"] = f"AuthenticationError('Incorrect API key provided: {KEY}')"
    data["samples"][0]["metadata"] = {"leaked": KEY}
    logs = tmp_path / "logs"
    logs.mkdir()
    path = logs / source.name
    path.write_text(json.dumps(data))
    assert KEY.encode() in path.read_bytes()
    listing = run_inspect(mode, ["list", "logs", "--long"], tmp_path)
    as_json = run_inspect(mode, ["list", "logs", "--long", "--json"], tmp_path)
    dumped = run_inspect(mode, ["log", "dump", str(path)], tmp_path)
    headers = run_inspect(mode, ["log", "headers", str(path)], tmp_path)
    for output in (listing, as_json, dumped, headers):
        assert output.exit_code == 0, output.stderr
        _assert_absent((KEY,), output.stdout, output.stderr)
        assert REDACTED in output.stdout
    [record] = load_json(as_json.stdout)
    assert record["model"] == f"openai/{REDACTED}"
    assert load_json(dumped.stdout)["samples"][0]["metadata"] == {"leaked": REDACTED}


def test_the_viewer_serves_logs_redacted(tmp_path: Path, model_server: Any) -> None:
    from inspect_cli.view import ViewServer

    source = FIXTURES / "v0.3.285/logs/2026-11-28T06-09-30-00-00_arith-flaky_EsPNFGpD8ZoQNBwMkNN4aa.json"
    data = json.loads(source.read_text())
    data["error"]["message"] = f"Incorrect API key provided: {KEY}"
    data["samples"][0]["metadata"] = {"leaked": KEY}
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / source.name).write_text(json.dumps(data))
    sample_id = data["samples"][0]["id"]
    with ViewServer(logs, port=0) as server:
        answers = {
            path: urllib.request.urlopen(server.url + path, timeout=30).read()
            for path in (
                f"api/logs/{source.name}",
                f"api/logs/{source.name}?header-only=0",
                f"api/log-headers?file={source.name}",
                f"api/log-summaries/{source.name}",
                f"api/log-sample/{source.name}?id={sample_id}&epoch=1",
            )
        }
    _assert_absent((KEY,), *answers.values())
    assert f"Incorrect API key provided: {REDACTED}".encode() in answers[f"api/logs/{source.name}"]
    assert load_json(answers[f"api/log-sample/{source.name}?id={sample_id}&epoch=1"])["metadata"] == {
        "leaked": REDACTED
    }


# -- secret-named model arguments --------------------------------------------


def _model_events(log: Any) -> list[Any]:
    return [e for s in log.samples or [] for e in s.events if e.event == "model"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_secret_named_model_args_are_not_recorded(tmp_path: Path, model_server: Any, mode: str, fmt: str) -> None:
    (tmp_path / "sums.py").write_text(TASK_FILE)
    args = {"token": "tok-secret-value-1", "auth_header": "hdr-secret-value-2", "api_key": "sk-arg-secret-value-3"}
    flags = [x for name, value in args.items() for x in ("-M", f"{name}={value}")]
    result = _eval(
        mode, tmp_path, "--model", "openai/gpt-test", "-M", "temperature_note=kept", *flags, "--log-format", fmt
    )
    assert result.exit_code == 0, result.stderr
    # Sent to the server (that is the provider's business): the key as the bearer, the rest in the body.
    assert model_server.headers[-1]["Authorization"] == "Bearer sk-arg-secret-value-3"
    assert model_server.bodies[-1]["token"] == "tok-secret-value-1"
    assert model_server.bodies[-1]["auth_header"] == "hdr-secret-value-2"
    path = _only_log(tmp_path / "logs")
    _assert_absent((*args.values(), KEY), result.stdout, result.stderr, *_texts_of(path))
    log = read_eval_log(str(path))
    assert log.eval.model_args == {
        "temperature_note": "kept",
        "token": REDACTED,
        "auth_header": REDACTED,
        "api_key": REDACTED,
    }
    events = _model_events(log)
    assert len(events) == 3
    for event in events:
        assert event.call is not None
        request = event.call.request
        assert request["token"] == REDACTED and request["auth_header"] == REDACTED
        assert request["temperature_note"] == "kept" and request["messages"]


@pytest.mark.parametrize("mode", MODES)
def test_a_short_secret_named_model_arg_is_not_recorded(tmp_path: Path, model_server: Any, mode: str) -> None:
    """Too short to be redacted wherever it appears (MIN_LENGTH), it is still hidden by its name."""
    (tmp_path / "sums.py").write_text(TASK_FILE)
    result = _eval(mode, tmp_path, "--model", "openai/gpt-test", "-M", "token=abc123", "--log-format", "json")
    assert result.exit_code == 0, result.stderr
    assert model_server.bodies[-1]["token"] == "abc123"
    path = _only_log(tmp_path / "logs")
    _assert_absent(("abc123",), path.read_bytes(), result.stdout, result.stderr)
    log = read_eval_log(str(path))
    assert log.eval.model_args == {"token": REDACTED}
    assert [e.call.request["token"] for e in _model_events(log)] == [REDACTED] * 3


# -- credentials in --model-base-url -----------------------------------------

# --model-base-url, the secret in it, the URL the log records, and the endpoint errors name.
URL_CASES = {
    "password": (
        "http://user:s3cretpassw0rd@{host}/v1",
        "s3cretpassw0rd",
        "http://user:<redacted>@{host}/v1",
        "http://{host}/v1/chat/completions",  # credentials are sent as a header, not in the URL
    ),
    "api_key query": (
        "http://{host}/v1?api_key=qs-secret-value-4&region=eu",
        "qs-secret-value-4",
        "http://{host}/v1?api_key=<redacted>&region=eu",
        "http://{host}/v1/chat/completions?api_key=<redacted>&region=eu",
    ),
    "short key query": (
        "http://{host}/v1?key=x9Qz7w",
        "x9Qz7w",
        "http://{host}/v1?key=<redacted>",
        "http://{host}/v1/chat/completions?key=<redacted>",
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(URL_CASES))
def test_credentials_in_the_base_url_are_not_recorded(tmp_path: Path, model_server: Any, mode: str, case: str) -> None:
    (tmp_path / "sums.py").write_text(TASK_FILE)
    host = model_server.url.removeprefix("http://")
    url, secret, recorded, endpoint = (text.format(host=host) for text in URL_CASES[case])
    ok = _eval(mode, tmp_path, "--model", "openai/gpt-test", "--model-base-url", url, "--log-dir", "ok")
    assert ok.exit_code == 0, ok.stdout + ok.stderr
    assert model_server.requests == 3
    assert model_server.headers[-1]["Authorization"] == f"Bearer {KEY}"  # the provider's key, not the URL's
    path = _only_log(tmp_path / "ok")
    _assert_absent((secret, KEY), ok.stdout, ok.stderr, *_texts_of(path))
    assert read_eval_log(str(path)).eval.model_base_url == recorded

    # Failing requests name the URL in warnings, errors and the log: redacted there too.
    model_server.fail_always = ("500", None)
    failed = _eval(
        mode,
        tmp_path,
        "--model",
        "openai/gpt-test",
        "--model-base-url",
        url,
        "--log-dir",
        "failed",
        "--max-retries",
        "1",
    )
    assert failed.exit_code == 1, failed.stderr
    assert f"Warning: retrying: HTTP 500 from {endpoint}: injected 500" in failed.stderr
    path = _only_log(tmp_path / "failed")
    _assert_absent((secret, KEY), failed.stdout, failed.stderr, *_texts_of(path))
    log = read_eval_log(str(path))
    assert log.eval.model_base_url == recorded
    assert log.error is not None and f"HTTP 500 from {endpoint}: injected 500" in log.error.message


def test_base_url_credentials_reach_the_server_as_basic_auth(tmp_path: Path, model_server: Any) -> None:
    """Anthropic's key travels in x-api-key, so the URL's user:password is sent as HTTP Basic auth."""
    import base64

    (tmp_path / "sums.py").write_text(TASK_FILE)
    url = f"http://user:s3cretpassw0rd@{model_server.url.removeprefix('http://')}"
    env = {"ANTHROPIC_API_KEY": "sk-ant-test-secret-key"}
    result = run_inspect(
        "inprocess", ["eval", "sums.py", "--model", "anthropic/claude-test", "--model-base-url", url], tmp_path, env
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    headers = model_server.headers[-1]
    assert headers["x-api-key"] == "sk-ant-test-secret-key"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"user:s3cretpassw0rd").decode()
    path = _only_log(tmp_path / "logs")
    _assert_absent(("s3cretpassw0rd", "sk-ant-test-secret-key"), result.stdout, result.stderr, *_texts_of(path))


# -- secrets from the environment that a task logs or records ----------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_environment_secrets_a_task_logs_are_redacted(tmp_path: Path, model_server: Any, mode: str, fmt: str) -> None:
    (tmp_path / "leaky.py").write_text(LEAKY_TASK_FILE)
    token = "svc-token-value-5678"
    env = {"MY_SERVICE_TOKEN": token, "OPENAI_API_KEY": KEY}
    result = run_inspect(
        mode, ["eval", "leaky.py", "--model", "mockllm/model", "--log-format", fmt, "--display", "plain"], tmp_path, env
    )
    assert result.exit_code == 0, result.stderr
    path = _only_log(tmp_path / "logs")
    _assert_absent((token, KEY), result.stdout, result.stderr, *_texts_of(path))
    log = read_eval_log(str(path))
    messages = [m.message for m in log.logging or []]
    assert f"building with OpenAI key {REDACTED}" in messages
    assert f"calling the service with token {REDACTED}" in messages
    [sample] = log.samples or []
    assert sample.metadata == {"env": REDACTED, "openai": REDACTED}
    assert sample.store == {"service_token": REDACTED}


# -- the _secrets module ------------------------------------------------------


@pytest.mark.parametrize(
    "name, secret",
    [
        ("api_key", True),
        ("X-Api-Key", True),
        ("apiKey", True),
        ("APIKey", True),
        ("OPENAI_API_KEY", True),
        ("token", True),
        ("auth_header", True),
        ("Authorization", True),
        ("clientSecret", True),
        ("db-password", True),
        ("max_tokens", False),
        ("keyword", False),
        ("monkey", False),
        ("temperature", False),
        ("top_k", False),
        ("custom_outputs", False),
        ("", False),
    ],
)
def test_is_secret_name(name: str, secret: bool) -> None:
    assert _secrets.is_secret_name(name) is secret


def test_values_shorter_than_min_length_are_not_registered() -> None:
    assert _secrets.MIN_LENGTH == 8
    short, exact = "Qm7shrt", "Qm7exact"  # 7 and 8 characters
    _secrets.add(short, exact, None, 123456789, ["listed-not-a-string"])
    assert _secrets.redact(f"a {short} b") == f"a {short} b"
    assert _secrets.redact(f"a {exact} b") == f"a {REDACTED} b"
    assert _secrets.redact("listed-not-a-string") == "listed-not-a-string"
    assert _secrets.redact_bytes(f"{short}/{exact}".encode()) == f"{short}/{REDACTED}".encode()


def test_a_secret_holding_another_is_redacted_whole() -> None:
    _secrets.add("inner-secret-Qx1", "outer-inner-secret-Qx1-longer")
    assert _secrets.redact("[outer-inner-secret-Qx1-longer]") == f"[{REDACTED}]"
    assert _secrets.redact("[inner-secret-Qx1]") == f"[{REDACTED}]"


def test_add_named_registers_only_secret_named_values() -> None:
    _secrets.add_named([("api_key", "named-secret-Zp3"), ("model", "not-a-secret-Zp3")])
    assert _secrets.redact("named-secret-Zp3 not-a-secret-Zp3") == f"{REDACTED} not-a-secret-Zp3"


@pytest.mark.parametrize(
    "url, shown, registered",
    [
        ("https://api.openai.com/v1", "https://api.openai.com/v1", None),
        ("http://user:pw-Wq8-secret@host:8080/v1", "http://user:<redacted>@host:8080/v1", "pw-Wq8-secret"),
        ("http://:pw-Wq9-secret@host/v1", "http://:<redacted>@host/v1", "pw-Wq9-secret"),
        ("http://user:p@ss-Wq0-long@host/v1", "http://user:<redacted>@host/v1", "p@ss-Wq0-long"),
        ("http://user:pw@host/v1", "http://user:<redacted>@host/v1", None),  # too short to register: hidden by place
        ("http://user@host/v1", "http://user@host/v1", None),
        ("https://h/v1?api_key=q-Wq1-secret&x=1", "https://h/v1?api_key=<redacted>&x=1", "q-Wq1-secret"),
        ("https://h/v1?key=abc&api-version=2024", "https://h/v1?key=<redacted>&api-version=2024", None),
        ("https://h/v1?access_token=q-Wq2-secret", "https://h/v1?access_token=<redacted>", "q-Wq2-secret"),
        ("https://h/v1?keyword=visible&max_tokens=5", "https://h/v1?keyword=visible&max_tokens=5", None),
    ],
)
def test_redact_url(url: str, shown: str, registered: str | None) -> None:
    assert _secrets.redact_url(url) == shown
    if registered is not None:  # and redacted wherever else it appears
        assert _secrets.redact(f"said {registered}") == f"said {REDACTED}"


def test_redact_url_of_a_malformed_url_still_redacts_known_secrets() -> None:
    _secrets.add("known-Wq3-secret")
    assert _secrets.redact_url("http://[::1/known-Wq3-secret") == f"http://[::1/{REDACTED}"


def test_masked_hides_secret_named_keys_at_any_depth() -> None:
    body = {
        "model": "gpt",
        "max_tokens": 5,
        "token": "abc",
        "messages": [{"role": "user", "content": "hi", "Authorization": "Bearer x"}],
        "extra": {"api_key": 12, "keyword": "kept", "nested": [{"client_secret": None}]},
    }
    original = json.loads(json.dumps(body))
    assert _secrets.masked(body) == {
        "model": "gpt",
        "max_tokens": 5,
        "token": REDACTED,
        "messages": [{"role": "user", "content": "hi", "Authorization": REDACTED}],
        "extra": {"api_key": REDACTED, "keyword": "kept", "nested": [{"client_secret": REDACTED}]},
    }
    assert body == original  # a copy: the request sent is not changed
    assert _secrets.masked("token") == "token" and _secrets.masked(3) == 3


def test_console_messages_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    from inspect_cli import _console

    _secrets.add("console-Wq4-secret")
    _console.error("failed with console-Wq4-secret")
    _console.warn("retrying console-Wq4-secret")
    _console.note("see console-Wq4-secret")
    err = capsys.readouterr().err
    assert "console-Wq4-secret" not in err
    assert err.splitlines() == [
        f"Error: failed with {REDACTED}",
        f"Warning: retrying {REDACTED}",
        f"Note: see {REDACTED}",
    ]


def test_log_json_text_is_redacted() -> None:
    from inspect_cli.log import _codec

    _secrets.add("codec-Wq5-secret")
    assert _codec.dumps({"a": "x codec-Wq5-secret y", "b": float("nan")}) == b'{"a":"x <redacted> y","b":NaN}'
    assert b"codec-Wq5-secret" not in _codec.dumps(["codec-Wq5-secret"], indent=True)
