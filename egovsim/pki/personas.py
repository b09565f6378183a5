"""The demo personas: one for every outcome of the EDS check (C2), each a command away.

Each persona has a signing and an authentication keystore (the authentication-only persona has
no signing one), dated relative to the simulator's clock when the PKI is created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from egovsim.identity import generate_bin, generate_iin
from egovsim.pki.authority import NCA, UNTRUSTED, TestPki
from egovsim.pki.keystore import keystore_name, write_keystore
from egovsim.pki.oids import Role, Usage
from egovsim.pki.profiles import Holder, KeyKind

Validity = Literal["current", "expired", "not-yet-valid"]
PERSONAS_FILE = "personas.json"

COMPANY = "ТОО «ОҢТҮСТІК ЭНЕРГО TEST»"

#: The providers (state bodies) whose heads and authorized signers sign results: id -> (BIN,
#: the organization's name as their certificates carry it).
PROVIDER_ENTITIES: dict[str, tuple[str, str]] = {
    "shymkent-energy": (
        generate_bin(2018, 7, "resident", "head", serial=2104, today=date(2026, 1, 1)),
        "ШЫМКЕНТ ҚАЛАСЫНЫҢ ЭНЕРГЕТИКА БАСҚАРМАСЫ",
    ),
    "egov-gateway": (
        generate_bin(2009, 11, "resident", "head", serial=5003, today=date(2026, 1, 1)),
        "ЭЛЕКТРОНДЫҚ ҮКІМЕТ ШЛЮЗІ TEST",
    ),
    "almaty-transport": (
        generate_bin(2014, 2, "resident", "head", serial=3307, today=date(2026, 1, 1)),
        "АЛМАТЫ ҚАЛАСЫНЫҢ ЖОЛАУШЫЛАР КӨЛІГІ БАСҚАРМАСЫ",
    ),
}
COMPANY_BIN = generate_bin(2004, 3, "resident", "head", serial=4127, today=date(2026, 1, 1))


@dataclass(frozen=True, slots=True)
class PersonaSpec:
    """A demo persona: who it is, how its certificates are made, and what C2 says of them."""

    id: str
    holder: Holder
    summary: str
    expected_code: str | None  # the C2 refusal code when it signs its own request
    validity: Validity = "current"
    revocation: str | None = None
    issuer: str = NCA
    usages: tuple[Usage, ...] = ("sign", "auth")
    #: The key of its certificates: RSA-2048 like the NCA's, or ECDSA P-256 where a party signs
    #: so often that an RSA private-key operation per message would be its bottleneck.
    key: KeyKind = "rsa2048"


def _official(
    provider: str,
    surname: str,
    name: str,
    patronymic: str,
    born: date,
    sex: Literal["male", "female"],
    serial: int,
    role: Role,
) -> Holder:
    bin_, organization = PROVIDER_ENTITIES[provider]
    return Holder(
        iin=generate_iin(born, sex, serial=serial),
        surname=surname,
        name=name,
        patronymic=patronymic,
        bin=bin_,
        organization=organization,
        role=role,
    )


def _person(
    surname: str,
    name: str,
    patronymic: str,
    born: date,
    sex: Literal["male", "female"],
    serial: int,
    *,
    role: Role = "individual",
    company: bool = False,
) -> Holder:
    return Holder(
        iin=generate_iin(born, sex, serial=serial),
        surname=surname,
        name=name,
        patronymic=patronymic,
        bin=COMPANY_BIN if company else None,
        organization=COMPANY if company else None,
        role=role,
    )


PERSONAS: tuple[PersonaSpec, ...] = (
    PersonaSpec(
        "citizen-valid",
        _person("АХМЕТОВ", "ЕРЛАН", "ҚАЙРАТҰЛЫ", date(1985, 7, 15), "male", 3012),
        "A citizen with a valid signing certificate.",
        None,
    ),
    PersonaSpec(
        "citizen-second",
        _person("СЕЙТҚАЛИЕВА", "АЙГЕРІМ", "БОЛАТҚЫЗЫ", date(1992, 3, 8), "female", 4410),
        "A second valid citizen: sign another person's request with it for IIN_MISMATCH.",
        None,
    ),
    PersonaSpec(
        "citizen-expired",
        _person("ОМАРОВ", "ДӘУЛЕТ", "СЕРІКҰЛЫ", date(1978, 11, 2), "male", 1755),
        "A citizen whose certificates expired a month ago.",
        "CERT_EXPIRED",
        validity="expired",
    ),
    PersonaSpec(
        "citizen-not-yet-valid",
        _person("ЖҰМАБАЕВА", "ДИНАРА", "АСҚАРҚЫЗЫ", date(2001, 1, 21), "female", 802),
        "A citizen whose certificates become valid next month.",
        "CERT_NOT_YET_VALID",
        validity="not-yet-valid",
    ),
    PersonaSpec(
        "citizen-revoked",
        _person("ТОҚТАРОВ", "НҰРЛАН", "ЕРЖАНҰЛЫ", date(1969, 5, 30), "male", 2290),
        "A citizen whose certificates were revoked yesterday for key compromise.",
        "CERT_REVOKED",
        revocation="keyCompromise",
    ),
    PersonaSpec(
        "citizen-on-hold",
        _person("ӘБІЛҚАСЫМОВА", "ГҮЛНАР", "МАРАТҚЫЗЫ", date(1988, 9, 12), "female", 3377),
        "A citizen whose certificates were put on hold (certificateHold) yesterday.",
        "CERT_ON_HOLD",
        revocation="certificateHold",
    ),
    PersonaSpec(
        "citizen-untrusted",
        _person("НҰРҒАЛИЕВ", "АСХАТ", "ТАЛҒАТҰЛЫ", date(1995, 12, 1), "male", 5120),
        "A citizen whose certificates come from a CA that egovsim does not trust.",
        "CERT_UNTRUSTED",
        issuer=UNTRUSTED,
    ),
    PersonaSpec(
        "citizen-auth-only",
        _person("ҚАСЫМОВ", "ТИМУР", "ЖАНАТҰЛЫ", date(1990, 4, 18), "male", 6001),
        "A citizen with only an authentication key: signing with it is refused.",
        "CERT_WRONG_KEY_USAGE",
        usages=("auth",),
    ),
    PersonaSpec(
        "company-first-head",
        _person(
            "БАЙМҰХАНОВ",
            "САЯН",
            "ӘЛІҰЛЫ",
            date(1975, 2, 14),
            "male",
            1201,
            role="first-head",
            company=True,
        ),
        "The first head of an energy company: signs for the company.",
        None,
    ),
    PersonaSpec(
        "company-signer",
        _person(
            "ИСАЕВА",
            "МАДИНА",
            "ҚАНАТҚЫЗЫ",
            date(1983, 6, 25),
            "female",
            1450,
            role="signer",
            company=True,
        ),
        "An energy company's employee with the right to sign.",
        None,
    ),
    PersonaSpec(
        "company-finance",
        _person(
            "ЖАҚСЫЛЫҚОВ",
            "БЕРІК",
            "ОРАЗҰЛЫ",
            date(1980, 10, 3),
            "male",
            1622,
            role="finance",
            company=True,
        ),
        "An energy company's accountant: may sign financial documents, not service requests.",
        "NO_SIGNING_RIGHT",
    ),
    PersonaSpec(
        "company-hr",
        _person(
            "ТЕМІРОВА",
            "ӘСЕЛ",
            "ЕРЛАНҚЫЗЫ",
            date(1987, 8, 19),
            "female",
            1703,
            role="hr",
            company=True,
        ),
        "An energy company's HR officer: no right to sign service requests.",
        "NO_SIGNING_RIGHT",
    ),
    PersonaSpec(
        "company-employee",
        _person(
            "СӘРСЕНБАЕВ",
            "ДАНИЯР",
            "МҰРАТҰЛЫ",
            date(1998, 1, 9),
            "male",
            1888,
            role="employee",
            company=True,
        ),
        "An energy company's employee without signing right.",
        "NO_SIGNING_RIGHT",
    ),
)


#: The providers' staff who sign results in the workstation (P9): the head (first head) and a
#: deputy with the right to sign, for each provider.
PERSONAS = (
    *PERSONAS,
    PersonaSpec(
        "shymkent-energy-head",
        _official(
            "shymkent-energy",
            "ОРМАНОВ",
            "БАУЫРЖАН",
            "ЕРБОЛҰЛЫ",
            date(1971, 4, 3),
            "male",
            2501,
            "first-head",
        ),
        "The head of Shymkent's energy department: signs readiness passports.",
        None,
    ),
    PersonaSpec(
        "shymkent-energy-signer",
        _official(
            "shymkent-energy",
            "ДҮЙСЕНОВА",
            "ЖАНАР",
            "АСЫЛБЕКҚЫЗЫ",
            date(1979, 11, 21),
            "female",
            2622,
            "signer",
        ),
        "A deputy head of Shymkent's energy department with the right to sign.",
        None,
    ),
    PersonaSpec(
        "almaty-transport-head",
        _official(
            "almaty-transport",
            "ҚОЖАХМЕТОВ",
            "РУСЛАН",
            "НҰРЛАНҰЛЫ",
            date(1974, 8, 30),
            "male",
            3105,
            "first-head",
        ),
        "The head of Almaty's passenger transport department: signs vessel licences.",
        None,
    ),
    PersonaSpec(
        "egov-gateway",
        _official("egov-gateway", "ШЛЮЗ", "ЭҮШ", "TEST", date(1990, 1, 1), "male", 5001, "signer"),
        "The e-government gateway itself: signs what it sends to provider systems and its "
        "answers to signed requests (WS-Security, ECDSA P-256).",
        None,
        # Two signatures for each message it carries (its answer and its push): ECDSA P-256
        # signs in a twelfth of RSA-2048's time, which keeps the gateway at 1,000 messages/s.
        key="p256",
    ),
    PersonaSpec(
        "almaty-transport-signer",
        _official(
            "almaty-transport",
            "ЕРМЕКОВА",
            "САУЛЕ",
            "ТИМУРҚЫЗЫ",
            date(1982, 2, 17),
            "female",
            3240,
            "signer",
        ),
        "A deputy head of Almaty's passenger transport department with the right to sign.",
        None,
    ),
)


def _window(validity: Validity, now: datetime) -> tuple[datetime, datetime]:
    if validity == "expired":
        return now - timedelta(days=395), now - timedelta(days=30)
    if validity == "not-yet-valid":
        return now + timedelta(days=30), now + timedelta(days=395)
    return now - timedelta(days=30), now + timedelta(days=335)


def create_personas(pki: TestPki, now: datetime, password: str) -> list[dict[str, Any]]:
    """Issue every persona's certificates and keystores and write `personas.json`."""
    directory = pki.directory / "personas"
    listing = []
    for spec in PERSONAS:
        not_before, not_after = _window(spec.validity, now)
        keystores: dict[str, Any] = {}
        for usage in spec.usages:
            issued = pki.issue(
                spec.holder,
                usage,
                not_before=not_before,
                not_after=not_after,
                issuer=spec.issuer,
                persona=spec.id,
                key_kind=spec.key,
            )
            chain = [pki.authority(spec.issuer).certificate]
            path = directory / spec.id / keystore_name(issued.certificate, usage)
            write_keystore(path, issued.key, issued.certificate, chain, password)
            relative = str(path.relative_to(pki.directory))
            if spec.revocation is not None:
                pki.revoke(issued.record.serial, spec.revocation, now - timedelta(days=1), now)
            keystores[usage] = {"file": relative, "serial": issued.record.serial_hex}
        listing.append(
            {
                "id": spec.id,
                "summary": spec.summary,
                "iin": spec.holder.iin,
                "bin": spec.holder.bin,
                "name": f"{spec.holder.surname} {spec.holder.name} {spec.holder.patronymic}",
                "organization": spec.holder.organization,
                "role": spec.holder.role,
                "expected_code": spec.expected_code,
                "key": spec.key,
                "password": password,
                "keystores": keystores,
            }
        )
    (pki.directory / PERSONAS_FILE).write_text(json.dumps(listing, indent=1, ensure_ascii=False))
    return listing


def load_personas(certs_dir: Path) -> list[dict[str, Any]]:
    """The personas written by `create_personas` (an empty list before `pki init`)."""
    path = certs_dir / PERSONAS_FILE
    if not path.is_file():
        return []
    data: list[dict[str, Any]] = json.loads(path.read_text())
    return data
