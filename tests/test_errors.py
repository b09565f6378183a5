"""The refusal catalogue: every code the code base raises is in it, in three languages."""

from __future__ import annotations

import re
from pathlib import Path

from egovsim.errors import CATALOGUE, LANGUAGES
from egovsim.signatures.report import VERDICTS

SOURCE = Path(__file__).resolve().parents[1] / "egovsim"
RAISED = re.compile(r'(?:EgovsimError|error_response|failed)\(\s*"([A-Z_]+)"')
FAILED_CHECK = re.compile(r'failed\(\s*"[a-z-]+",\s*"([A-Z_]+)"')


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        found |= set(RAISED.findall(text)) | set(FAILED_CHECK.findall(text))
    return found


#: Files that describe codes without producing them: the catalogue itself, the verifier's table
#: of ETSI verdicts (every C2 code is a key there) and the personas' expected C2 codes.
DESCRIBING = (
    SOURCE / "catalogue",
    SOURCE / "errors.py",
    SOURCE / "signatures" / "report.py",
    SOURCE / "pki" / "personas.py",
)
QUOTED_CODE = re.compile(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"')


def codes_produced() -> set[str]:
    """Codes a source file can answer with: raised, failed into a report, answered as a SOAP
    fault, or given by a generic mapping (HTTP statuses in egovsim/web/common/errors.py); a string
    literal outside the files that only describe codes."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if any(path == d or d in path.parents for d in DESCRIBING):
            continue
        found |= set(QUOTED_CODE.findall(path.read_text()))
    return found


def test_every_code_in_the_source_is_in_the_catalogue() -> None:
    missing = codes_in_source() - set(CATALOGUE)
    assert not missing, f"codes used but not catalogued: {sorted(missing)}"


def test_every_catalogued_code_is_produced_somewhere_in_the_source() -> None:
    unused = set(CATALOGUE) - codes_produced()
    assert not unused, f"codes catalogued but never produced: {sorted(unused)}"


def test_the_http_mapping_produces_only_catalogued_codes() -> None:
    from egovsim.web.common.errors import _HTTP_CODES

    assert set(_HTTP_CODES.values()) <= set(CATALOGUE)


def test_every_entry_speaks_three_languages_and_names_its_step() -> None:
    for entry in CATALOGUE.values():
        assert set(entry.messages) == set(LANGUAGES), entry.code
        assert all(entry.messages[lang].strip() for lang in LANGUAGES), entry.code
        assert entry.step
        assert 400 <= entry.http_status < 600


def test_every_c2_code_has_an_etsi_verdict() -> None:
    c2 = {code for code, entry in CATALOGUE.items() if entry.step == "C2"}
    assert c2 == set(VERDICTS)


def test_no_code_is_catalogued_twice() -> None:
    from egovsim.errors import PARTS

    entries = [e.code for part in PARTS for e in part.ENTRIES]
    assert len(entries) == len(set(entries)) == len(CATALOGUE)
