"""The documentation's shell examples run as written (see `tests/doc_examples.py` for the
markers), and its links lead somewhere."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from egovsim.testing.ports import free_port
from tests.doc_examples import ROOT, Example, all_examples, examples_of, markdown_pages

EXAMPLES = all_examples()
#: Seconds one example may take (the longest, the workstation's worked example, takes a few).
EXAMPLE_TIMEOUT = 180
#: Pages other issues are writing at the same time; links to them are checked once they exist.
PAGES_IN_PROGRESS = {
    "docs/reference/signatures.md",
    "docs/reference/security.md",
    "docs/reference/services.md",
    "docs/testing-kit.md",
}


def _egovsim() -> str:
    return str(Path(sys.executable).parent / "egovsim")


@pytest.fixture(scope="module")
def port() -> int:
    """The port the examples' simulator listens on, in place of the documented 8080."""
    return free_port()


@pytest.fixture(scope="module")
def pki_for_examples(tmp_path_factory: pytest.TempPathFactory, port: int) -> Path:
    """A test PKI whose certificates name the examples' simulator, made once (keys are slow)."""
    directory = tmp_path_factory.mktemp("doc-pki") / "certs"
    subprocess.run(
        [
            _egovsim(),
            "pki",
            "init",
            "--certs",
            str(directory),
            "--public-url",
            f"http://127.0.0.1:{port}",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return directory


@contextmanager
def _serving(workdir: Path, port: int) -> Iterator[None]:
    """`egovsim serve` on the examples' port over the scratch directory, stopped on the way out."""
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen(
        [_egovsim(), "serve", "--port", str(port), "--certs", "certs", "--data-dir", "data"],
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_environment(workdir),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "the examples' simulator did not start:\n"
                        + (workdir / "serve.log").read_text(errors="replace")
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _environment(workdir: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("EGOVSIM_")}
    environment["PYTHONPATH"] = str(ROOT)
    environment["CURL_HOME"] = str(workdir / ".curl")
    return environment


def _scratch(tmp_path: Path, pki: Path) -> Path:
    """A directory shaped like a checkout: `.venv`, `certs/`, a `.curlrc` that fails on refusals."""
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    (workdir / ".venv").symlink_to(Path(sys.prefix))
    shutil.copytree(pki, workdir / "certs")
    (workdir / ".curl").mkdir()
    (workdir / ".curl" / ".curlrc").write_text("fail-with-body\nshow-error\n")
    return workdir


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.name for example in EXAMPLES])
def test_the_documented_example_runs_as_written(
    example: Example, tmp_path: Path, port: int, pki_for_examples: Path
) -> None:
    if example.skip:
        pytest.skip(f"marked not to run: {example.skip}")
    workdir = _scratch(tmp_path, pki_for_examples)
    script = "set -e -o pipefail\n" + example.for_ports(port, free_port())
    with _serving(workdir, port) if example.server else _nothing():
        returncode, stdout, stderr = _run(script, workdir)
    output = f"--- stdout\n{stdout}\n--- stderr\n{stderr}"
    print(output)
    assert returncode == 0, f"{example.name} failed (exit {returncode})\n{output}"
    assert "Traceback" not in stderr + stdout, output
    for expected in example.expected:
        assert expected in stdout + stderr, f"{example.name}: no {expected!r}\n{output}"


def _run(script: str, workdir: Path) -> tuple[int | None, str, str]:
    """Run a block in its own process group, then end the group: what a block started in the
    background (a provider system) never outlives it, even when the block fails half-way."""
    out, err = workdir / "example.out", workdir / "example.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            ["bash", "-c", script],
            cwd=workdir,
            env=_environment(workdir),
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            returncode: int | None = process.wait(timeout=EXAMPLE_TIMEOUT)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return returncode, out.read_text(errors="replace"), err.read_text(errors="replace")


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def test_every_page_has_examples_found_and_none_skipped_without_a_reason() -> None:
    assert len(EXAMPLES) >= 10
    assert all(example.skip is None or example.skip.strip() for example in EXAMPLES)


def test_a_marker_is_read_and_a_stray_or_reasonless_one_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- example: server -->\n```sh\ncurl localhost:8080/healthz\n```\n\n"
        "<!-- example: skip starts the suite -->\n```sh\nmake test\n```\n"
        "```sh\necho plain\n```\n```json\n{}\n```\n"
    )
    server, skipped, plain = examples_of(page)
    assert (server.server, server.skip, server.line) == (True, None, 2)
    assert server.for_ports(5555, 5556) == "curl localhost:5555/healthz\n"
    assert (skipped.server, skipped.skip) == (False, "starts the suite")
    assert (plain.server, plain.skip, plain.code) == (False, None, "echo plain\n")
    said = Example(page, 1, "egovsim verify cms x || true  # => CERT_REVOKED\n", False, None)
    assert said.expected == ["CERT_REVOKED"]
    for broken in (
        "<!-- example: skip -->\n```sh\nmake test\n```\n",
        "<!-- example: server -->\nsome words\n```sh\nmake test\n```\n",
        "<!-- example: server -->\n```json\n{}\n```\n",
    ):
        page.write_text(broken)
        with pytest.raises(ValueError, match="example"):
            examples_of(page)


_LINK = re.compile(r"\]\((?!https?://|mailto:|#)(?P<target>[^)#\s]+)(?:#[^)]*)?\)")


def test_every_relative_link_of_the_docs_leads_to_a_file() -> None:
    broken = []
    for page in markdown_pages():
        for match in _LINK.finditer(page.read_text(encoding="utf-8")):
            target = (page.parent / match.group("target")).resolve()
            relative = target.relative_to(ROOT).as_posix() if target.is_relative_to(ROOT) else ""
            if not target.exists() and relative not in PAGES_IN_PROGRESS:
                broken.append(f"{page.relative_to(ROOT)}: {match.group('target')}")
    assert broken == []


def test_a_failing_block_ends_at_once_with_what_it_started_in_the_background(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    returncode, _, _ = _run("set -e\nsleep 300 &\necho $! > pid\nfalse\necho never\n", tmp_path)
    assert returncode == 1 and time.monotonic() - started < 30
    pid = int((tmp_path / "pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """Whether a process runs (a corpse waiting to be reaped does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False
