"""The packages' imports, read with `ast`, held to the layering of the README's architecture
section: no circle between packages, no import that points up a layer, aiohttp's server side and
Jinja in `web` only, and inside `web` its parts in their own order."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "egovsim"

Layers = tuple[tuple[str, frozenset[str]], ...]

# The layers, top first: a package may import its own layer and the layers below it. A name that
# ends in `*` stands for every top-level module or package of egovsim whose name starts so; ""
# is egovsim's own `__init__` (the version).
LAYERS: Layers = (
    # `testing` is the pytest plugin (an entry point of pytest's): it serves a simulator in the
    # user's test session, through `web`.
    ("the entry points", frozenset({"web", "cli", "testing", "__main__"})),
    ("the front ends", frozenset({"console", "scenarios", "conformance", "diagrams"})),
    ("the simulator core", frozenset({"simulator*"})),
    # `ncalayer` is the applicant's signer, whose key set the simulator core owns.
    ("the domain", frozenset({"portal", "workstation", "statecorp", "ncalayer"})),
    ("the gateway", frozenset({"gateway"})),
    ("the records and the rules", frozenset({"storage", "regulations"})),
    ("the signatures", frozenset({"signatures"})),
    ("the PKI", frozenset({"pki"})),
    ("the identification numbers", frozenset({"identity"})),
    (
        "the ground floor",
        # `telemetry`: the metrics and the request id every layer counts and logs by.
        frozenset(
            {"", "clock", "config", "errors", "catalogue", "locale", "magic", "passwords"}
            | {"telemetry"}
        ),
    ),
)

# `web`'s parts, top first, by the same rule: the assembler, the trainer's tools (which act on
# every part), the parts that each serve one kind of user, and what they all share.
WEB_LAYERS: Layers = (
    # `serving` runs an app in a process that drives it, `network` is its HTTP client side; both
    # come with the simulator core (issue 17a); `processes` runs it in several (`serve
    # --processes`).
    ("the assembler", frozenset({"", "app", "serving", "network", "processes"})),
    ("the trainer", frozenset({"trainer"})),
    ("the parts", frozenset({"portal", "offices", "gateway", "pki"})),
    ("the shared part", frozenset({"common"})),
)

# Serving HTTP and rendering pages is `web`'s alone (an aiohttp client session is not).
WEB_ONLY = ("aiohttp.web", "aiohttp.test_utils", "jinja2")

# Violations let stand for a while: (importing module or package, imported name), each with the
# work that removes it. None is left; an entry that no longer matches an import fails
# `test_every_known_violation_is_still_there`, and a violation not listed fails its rule's test.
KNOWN: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Import:
    """One name a module imports, and the line it does so on."""

    module: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def module_name(path: Path) -> str:
    """The dotted name of one of egovsim's module files."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(module: str, source: str, is_package: bool = False) -> list[Import]:
    """Every import of a module's source, at its top, in functions and under TYPE_CHECKING
    alike; `from a import b` counts as importing `a.b` (b may be a module)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".") if is_package else module.split(".")[:-1]
                here = here[: len(here) - node.level + 1]
                base = ".".join([*here, base] if base else here)
            found += [Import(module, f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def every_import() -> list[Import]:
    """The imports of every module of egovsim."""
    return [
        found
        for path in sorted(PACKAGE.rglob("*.py"))
        for found in imports_in(module_name(path), path.read_text(), path.name == "__init__.py")
    ]


def package_of(name: str) -> str | None:
    """The top-level package or module of egovsim a dotted name lies in ("" for egovsim's own
    `__init__`), None for a name outside egovsim."""
    parts = name.split(".")
    if parts[0] != "egovsim":
        return None
    if len(parts) > 1 and ((PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").exists()):
        return parts[1]
    return ""


def web_part_of(name: str) -> str | None:
    """The part of `egovsim.web` (a sub-package or a top module) a dotted name lies in ("" for
    its `__init__`), None for a name outside `web`."""
    parts = name.split(".")
    if parts[:2] != ["egovsim", "web"]:
        return None
    return parts[2] if len(parts) > 2 else ""


def depth(name: str, layers: Layers) -> int | None:
    """The layer a package sits in (0 is the top), None when no layer names it."""
    for level, (_, members) in enumerate(layers):
        for member in members:
            if name == member or (member.endswith("*") and name.startswith(member[:-1])):
                return level
    return None


Part = Callable[[str], str | None]


def upward(imports: Iterable[Import], part: Part, layers: Layers) -> list[Import]:
    """The imports from a part into a part of a higher layer."""
    found = []
    for each in imports:
        source, target = part(each.module), part(each.target)
        if source is None or target is None or source == target:
            continue
        low, high = depth(source, layers), depth(target, layers)
        if low is not None and high is not None and high < low:
            found.append(each)
    return found


def circles(imports: Iterable[Import], part: Part) -> list[list[str]]:
    """The circles between parts: each strongly connected set of more than one part, found with
    Tarjan's algorithm over the graph of the imports."""
    edges: dict[str, set[str]] = {}
    for each in imports:
        source, target = part(each.module), part(each.target)
        if source is not None and target is not None and source != target:
            edges.setdefault(source, set()).add(target)
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = lowest[node] = len(order)
        stack.append(node)
        for after in sorted(edges.get(node, ())):
            if after not in order:
                visit(after)
                lowest[node] = min(lowest[node], lowest[after])
            elif after in stack:
                lowest[node] = min(lowest[node], order[after])
        if lowest[node] == order[node]:
            ring = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            if len(ring) > 1:
                found.append(sorted(ring))

    for node in sorted(edges):
        if node not in order:
            visit(node)
    return found


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def is_known(each: Import) -> bool:
    """Whether an import is one of the violations listed in KNOWN."""
    return any(within(each.module, m) and within(each.target, t) for m, t in KNOWN)


def unlisted(imports: Iterable[Import]) -> list[Import]:
    return [each for each in imports if not is_known(each)]


def web_only(imports: Iterable[Import]) -> list[Import]:
    """The imports of aiohttp's server side or Jinja outside `web`."""
    return [
        each
        for each in imports
        if package_of(each.module) != "web" and any(within(each.target, w) for w in WEB_ONLY)
    ]


IMPORTS = every_import()


def test_every_package_sits_in_a_layer() -> None:
    """A new package is placed in the layering (and the README's picture) before it is used."""
    packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    modules = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert [name for name in sorted(packages | modules) if depth(name, LAYERS) is None] == []
    parts = {path.name for path in (PACKAGE / "web").iterdir() if (path / "__init__.py").exists()}
    parts |= {path.stem for path in (PACKAGE / "web").glob("*.py") if path.stem != "__init__"}
    assert [name for name in sorted(parts) if depth(name, WEB_LAYERS) is None] == []


def test_no_import_points_up_the_layers() -> None:
    found = unlisted(upward(IMPORTS, package_of, LAYERS))
    assert not found, "imports against the layering:\n" + "\n".join(map(str, found))


def test_no_circle_between_packages() -> None:
    assert circles(unlisted(IMPORTS), package_of) == []


def test_only_web_serves_http_or_renders_pages() -> None:
    found = unlisted(web_only(IMPORTS))
    assert not found, "aiohttp.web or jinja2 outside web:\n" + "\n".join(map(str, found))


def test_the_parts_of_web_keep_their_order() -> None:
    """The trainer may use every part, a part the shared one only; nothing goes back to `app`."""
    found = unlisted(upward(IMPORTS, web_part_of, WEB_LAYERS))
    assert not found, "imports against web's order:\n" + "\n".join(map(str, found))
    assert circles(unlisted(IMPORTS), web_part_of) == []


def test_every_package_says_its_job() -> None:
    """Each package's `__init__` opens with the sentence that says what it is for."""
    silent = [
        module_name(path)
        for path in sorted(PACKAGE.rglob("__init__.py"))
        if not (ast.get_docstring(ast.parse(path.read_text())) or "").strip()
    ]
    assert silent == []


def test_the_readme_states_these_layers() -> None:
    """The README's architecture section names every package of the layering, so the picture a
    reader sees is the one this test holds."""
    readme = (PACKAGE.parent / "README.md").read_text()
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    named = {name.rstrip("*") for _, members in LAYERS for name in members} - {"", "__main__"}
    assert sorted(name for name in named if f"`{name}`" not in section) == []


def test_every_known_violation_is_still_there() -> None:
    """A violation removed is taken off the list, so the list says what is left to do (it is
    empty now: every rule holds without exception)."""
    gone = [
        (module, target)
        for module, target in sorted(KNOWN)
        if not any(within(e.module, module) and within(e.target, target) for e in IMPORTS)
    ]
    assert gone == [], "no longer imported: take these off KNOWN"


def test_an_import_up_the_layers_is_found() -> None:
    """The rule catches what it states: the PKI reaching for the web app, a front end for the
    entry points, the domain for the simulator core (whose modules start with `simulator`)."""
    source = (
        "from egovsim.web.app import create_app\n"
        "import egovsim.signatures.verifier\n"
        "from egovsim import clock, __version__\n"
    )
    found = upward(imports_in("egovsim.pki.authority", source), package_of, LAYERS)
    assert [str(each) for each in found] == [
        "egovsim.pki.authority:1 imports egovsim.web.app.create_app",
        "egovsim.pki.authority:2 imports egovsim.signatures.verifier",
    ]
    assert depth("simulator_parts", LAYERS) == depth("simulator", LAYERS) == 2


def test_a_circle_is_found_and_relative_imports_are_read() -> None:
    imports = [
        *imports_in("egovsim.portal.applications", "from ..gateway import service\n"),
        *imports_in(
            "egovsim.gateway", "from .receivers import x\nfrom egovsim.portal import y\n", True
        ),
        *imports_in("egovsim.gateway.receivers", "from egovsim.pki import authority\n"),
    ]
    assert [each.target for each in imports] == [
        "egovsim.gateway.service",
        "egovsim.gateway.receivers.x",
        "egovsim.portal.y",
        "egovsim.pki.authority",
    ]
    assert circles(imports, package_of) == [["gateway", "portal"]]


def test_serving_and_templates_outside_web_are_found() -> None:
    source = (
        "import aiohttp\n"
        "from aiohttp import web\n"
        "import jinja2\n"
        "from aiohttp.test_utils import TestServer\n"
    )
    found = web_only(imports_in("egovsim.console.tour", source))
    assert [each.line for each in found] == [2, 3, 4]
    assert web_only(imports_in("egovsim.web.common.render", source)) == []
