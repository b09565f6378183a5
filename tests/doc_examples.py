"""The shell examples of the documentation, read from the Markdown so none can go stale.

Every fenced block opened with ```` ```sh ```` in `README.md` and `docs/**/*.md` is an example,
and `tests/test_docs.py` runs each one with bash (`set -e -o pipefail`) in a scratch directory
that looks like a checkout: `.venv` is the running virtual environment, `examples` importable,
`certs/` a test PKI made for the block's server and `data/` its data. An HTML comment on the line
just before the fence says how:

- `<!-- example: server -->`: the block needs a running simulator. The test starts
  `egovsim serve` on a free port with a fresh data directory.
- In every block, the documented ports are replaced by free ones: `8080` (the simulator, as in
  `127.0.0.1:8080`, `localhost:8080`, `--port 8080`) and `8181` (a provider's system).
- `<!-- example: skip REASON -->`: the block must not run (it starts the suite itself, or needs
  something only a person has); the reason is required and shown.

A comment `# => TEXT` at the end of a line is what the block must print (on stdout or stderr,
anywhere in its output): `egovsim verify cms request.cms || true  # => CERT_REVOKED`.

curl reads a `.curlrc` with `fail-with-body`, so a request the simulator refuses fails the
example; an example that shows a refusal on purpose says so (`|| echo "refused: exit $?"`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_MARKER = re.compile(r"^<!--\s*example:\s*(?P<kind>server|skip)\b(?P<reason>.*?)-->\s*$")
_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<info>[\w+-]*)")


@dataclass(frozen=True)
class Example:
    """One shell block of a Markdown page: where it is, its text and how it runs."""

    path: Path
    line: int
    code: str
    server: bool
    skip: str | None

    @property
    def name(self) -> str:
        """The block's place, as a test id: `docs/reference/cli.md:42`."""
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def expected(self) -> list[str]:
        """What the block says it prints: the `# => TEXT` comments, in order."""
        return [m.group(1).strip() for m in re.finditer(r"#\s*=>\s*(.+)$", self.code, re.M)]

    def for_ports(self, simulator: int, provider: int) -> str:
        """The block's code with the documented ports 8080 and 8181 replaced by these."""
        code = re.sub(r"\b8080\b", str(simulator), self.code)
        return re.sub(r"\b8181\b", str(provider), code)


def markdown_pages(root: Path = ROOT) -> list[Path]:
    """README.md and every page under docs/, in a stable order."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def examples_of(path: Path) -> list[Example]:
    """The ```sh blocks of one page, with the marker each one carries; a marker with no block
    after it, or a skip without a reason, is a ValueError (a typo must not silence a block)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    marker: re.Match[str] | None = None
    marker_line = 0
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence is None:
            matched = _MARKER.match(line.strip())
            if matched is not None:
                marker, marker_line = matched, index + 1
            elif line.strip() and marker is not None:
                raise ValueError(f"{path}:{marker_line}: an example marker not followed by a block")
            index += 1
            continue
        closing, body = fence.group("fence"), []
        start = index + 1
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(closing):
            body.append(lines[index][len(fence.group("indent")) :])
            index += 1
        index += 1  # the closing fence
        if fence.group("info") == "sh":
            kind = marker.group("kind") if marker else None
            reason = marker.group("reason").strip() if marker else ""
            if kind == "skip" and not reason:
                raise ValueError(f"{path}:{marker_line}: `example: skip` needs a reason")
            found.append(
                Example(path, start, "\n".join(body) + "\n", kind == "server", reason or None)
            )
        elif marker is not None:
            raise ValueError(f"{path}:{marker_line}: an example marker before a non-sh block")
        marker = None
    return found


def all_examples(root: Path = ROOT) -> list[Example]:
    """Every shell example of the documentation."""
    return [example for page in markdown_pages(root) for example in examples_of(page)]
