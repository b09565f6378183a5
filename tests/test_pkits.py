"""NIST PKITS: every test path of the suite through the verifier, each with its RFC 5280 inputs.

The suite is read from `../shared/pkits` beside the repository and never copied into it. Where
it is absent the cases skip with the reason, unless EGOVSIM_REQUIRE_PKITS=1 (CI) makes that a
failure. The DSA paths may be refused by the algorithm policy (WEAK_ALGORITHM), which admits RSA
and EC keys only.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from egovsim.signatures.checks import EXPECT_NOTHING
from egovsim.signatures.validation import PathInputs
from egovsim.signatures.verifier import Verifier

PKITS = Path(__file__).resolve().parents[1].parent / "shared" / "pkits"
VALIDATION_TIME = datetime(2022, 5, 1, tzinfo=UTC)
DSA_CASES = {"40104", "40105", "40106"}


def _cases() -> list[Any]:
    listing = PKITS / "cases.json"
    if not listing.is_file():
        reason = f"PKITS is not at {PKITS} (see ../shared/pkits/README.md)"
        if os.environ.get("EGOVSIM_REQUIRE_PKITS") == "1":
            return [pytest.param(None, id="pkits-missing")]
        return [pytest.param(None, id="pkits-missing", marks=pytest.mark.skip(reason=reason))]
    cases = json.loads(listing.read_text())["cases"]
    seen: Counter[str] = Counter()
    params = []
    for case in cases:
        seen[case["id"]] += 1
        params.append(pytest.param(case, id=f"{case['id']}-{seen[case['id']]}-{case['name']}"))
    return params


def _certificate(name: str) -> x509.Certificate:
    return x509.load_der_x509_certificate((PKITS / "certs" / name).read_bytes())


def _inputs(parameters: dict[str, Any]) -> PathInputs:
    policies = parameters.get("user_initial_policy_set")
    return PathInputs(
        user_initial_policy_set=frozenset(policies)
        if policies
        else PathInputs().user_initial_policy_set,
        initial_explicit_policy=parameters.get("initial_explicit_policy", False),
        initial_policy_mapping_inhibit=parameters.get("initial_policy_mapping_inhibit", False),
        initial_any_policy_inhibit=parameters.get("initial_any_policy_inhibit", False),
    )


@pytest.mark.parametrize("case", _cases())
async def test_pkits_path_has_the_outcome_the_suite_gives(case: dict[str, Any] | None) -> None:
    if case is None:
        pytest.fail(f"EGOVSIM_REQUIRE_PKITS=1 but PKITS is not at {PKITS}")
    verifier = Verifier(
        [_certificate("TrustAnchorRootCertificate.crt")],
        # Given as bytes, as the command line gives them: one of the DSA certificates cannot be
        # read by `cryptography` at all, and the verifier reports it rather than the test.
        intermediates=[(PKITS / "certs" / name).read_bytes() for name in case["intermediates"]],
        crls=[
            x509.load_der_x509_crl((PKITS / "crls" / name).read_bytes()) for name in case["crls"]
        ],
        prefer="crl",
        inputs=_inputs(case.get("parameters") or {}),
    )
    end_entity = (PKITS / "certs" / case["end_entity"]).read_bytes()
    report = await verifier.verify_certificate(
        end_entity, at=VALIDATION_TIME, expect=EXPECT_NOTHING
    )
    outcome = "valid" if report.passed else "invalid"
    if case["id"] in DSA_CASES and report.code == "WEAK_ALGORITHM":
        return  # refused by the algorithm policy, which admits no DSA key
    failed = [check.to_json() for check in report.checks if check.status == "failed"]
    assert outcome == case["expected"], failed
