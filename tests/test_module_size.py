"""No module of egovsim is over 400 lines: each has one job that can be said in a sentence
(STYLE.md), and a module that grows past that is split by job, not let grow."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "egovsim"
LIMIT = 400

#: Modules let stand over the limit while someone splits them, each with the work that does; an
#: entry no longer over the limit fails.
SPLITTING: frozenset[str] = frozenset()


def lines_of(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def over_the_limit(root: Path = PACKAGE) -> dict[str, int]:
    """Every module under `root` over LIMIT lines, by its path there."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        count = lines_of(path)
        if count > LIMIT:
            found[path.relative_to(root).as_posix()] = count
    return found


def test_no_module_is_over_400_lines() -> None:
    found = {name: count for name, count in over_the_limit().items() if name not in SPLITTING}
    assert found == {}, f"split these by job, under {LIMIT} lines each"


def test_every_module_being_split_is_still_over_the_limit() -> None:
    """A module split is taken off SPLITTING, so the list says what is left to do."""
    assert sorted(SPLITTING - set(over_the_limit())) == []


def test_a_long_module_is_found_wherever_it_lies(tmp_path: Path) -> None:
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "long.py").write_text("x = 1\n" * (LIMIT + 1))
    (tmp_path / "short.py").write_text("x = 1\n" * LIMIT)
    assert over_the_limit(tmp_path) == {"inner/long.py": LIMIT + 1}
