"""Property-based fuzzing of every parser egovsim reads untrusted bytes with (CMS, certificate,
CRL, OCSP request, SOAP envelope with WS-Security, JSON and multipart bodies), each bounded to a
few seconds: mutations of valid inputs and generated ones, never an exception or a 500.
`make fuzz` runs the same targets for longer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_targets import BOUNDARY, Harness, _multipart, harness

BOUNDED = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def fuzzing(pki_template: Path) -> Iterator[Harness]:
    with harness(pki_template) as running:
        yield running


@st.composite
def mutated(draw: st.DrawFn, seeds: tuple[bytes, ...]) -> bytes:
    """A seed changed as a mutation fuzzer changes it: bytes flipped, cut, inserted, spliced."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("flip", "cut", "insert", "truncate", "splice")))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 16))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.sampled_from(seeds))[: draw(st.integers(1, 64))]
    return bytes(data)


def _fuzz(fuzzing: Harness, name: str, extra: st.SearchStrategy[bytes] | None = None) -> None:
    target = fuzzing.targets()[name]
    inputs = mutated(target.seeds) if extra is None else st.one_of(mutated(target.seeds), extra)

    @BOUNDED
    @given(inputs)
    def holds(data: bytes) -> None:
        target.run(data)

    holds()


def test_a_mutated_cms_always_gets_a_report(fuzzing: Harness) -> None:
    _fuzz(fuzzing, "cms", st.binary(max_size=64))


def test_a_mutated_certificate_always_gets_a_report(fuzzing: Harness) -> None:
    _fuzz(fuzzing, "certificate", st.binary(max_size=64))


def test_a_mutated_crl_is_read_or_refused_as_no_crl(fuzzing: Harness) -> None:
    _fuzz(fuzzing, "crl")


def test_a_mutated_ocsp_request_always_gets_an_ocsp_response(fuzzing: Harness) -> None:
    _fuzz(fuzzing, "ocsp-request", st.binary(max_size=64))


def test_a_mutated_soap_envelope_is_read_or_refused_with_a_code(fuzzing: Harness) -> None:
    _fuzz(fuzzing, "soap-wss")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.long
def test_a_json_route_answers_any_body_below_500(fuzzing: Harness) -> None:
    generated = JSON_VALUES.map(lambda value: json.dumps(value).encode())
    surrogates = st.text().map(lambda text: json.dumps({"login": text + "\ud800"}).encode())
    _fuzz(fuzzing, "json-body", st.one_of(generated, surrogates))


# aiohttp leaves the spooled file of a part open when a later part of the form is malformed;
# the garbage collector closes it (a ResourceWarning), which the suite would turn into an error.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_multipart_upload_answers_any_part_below_500(fuzzing: Harness) -> None:
    parts = st.builds(
        _multipart,
        st.binary(max_size=12),
        st.binary(max_size=12),
        st.binary(max_size=32),
    )
    assert BOUNDARY
    _fuzz(fuzzing, "multipart-body", parts)
