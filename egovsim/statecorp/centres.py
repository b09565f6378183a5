"""The seeded service centres of the State Corporation and their counter clerks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from egovsim.identity import generate_iin

#: The gateway sender the Almaty centres forward packages as (and are answered to).
STATECORP_SENDER = "gk-almaty"


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """A counter clerk's login to seed; the password is the personas' password."""

    login: str
    name: str
    iin: str


@dataclass(frozen=True, slots=True)
class CentreSpec:
    """A service centre: where it is, when it works, who works at its counter."""

    id: str
    number_prefix: str
    region: str
    sender_id: str
    name: dict[str, str]
    address: dict[str, str]
    hours: dict[str, str]
    operators: tuple[OperatorSpec, ...]


def _iin(year: int, month: int, day: int, sex: Literal["male", "female"], serial: int) -> str:
    return generate_iin(date(year, month, day), sex, serial=serial)


CENTRES: tuple[CentreSpec, ...] = (
    CentreSpec(
        id="almaty-centre-1",
        number_prefix="GK-ALA",
        region="Almaty",
        sender_id=STATECORP_SENDER,
        name={
            "kk": "«Азаматтарға арналған үкімет» мемлекеттік корпорациясының Алматы қаласы "
            "бойынша филиалы, №1 халыққа қызмет көрсету орталығы",
            "ru": "Филиал Государственной корпорации «Правительство для граждан» по городу "
            "Алматы, центр обслуживания населения № 1",
            "en": 'The Almaty branch of the State Corporation "Government for Citizens", '
            "public service centre No. 1",
        },
        address={
            "kk": "Алматы қаласы, Әуезов ауданы, Жетісу-1 шағын ауданы, 1 (симуляция)",
            "ru": "г. Алматы, Ауэзовский район, микрорайон Жетысу-1, 1 (симуляция)",
            "en": "1 Zhetysu-1 microdistrict, Auezov district, Almaty (simulated)",
        },
        hours={
            "kk": "дүйсенбі-жұма 09:00-20:00, сенбі 09:00-13:00",
            "ru": "понедельник-пятница 09:00-20:00, суббота 09:00-13:00",
            "en": "Monday to Friday 09:00-20:00, Saturday 09:00-13:00",
        },
        operators=(
            OperatorSpec("gk-alm-1", "САРСЕНБАЕВА Дана", _iin(1994, 6, 14, "female", 211)),
            OperatorSpec("gk-alm-2", "ОМАРОВ Нұрлан", _iin(1989, 11, 2, "male", 223)),
        ),
    ),
)


def centre(centre_id: str) -> CentreSpec:
    """A seeded centre by id; an unknown id is a programming error."""
    return next(c for c in CENTRES if c.id == centre_id)


def centre_for_region(region: str) -> CentreSpec | None:
    """The centre that hands out paper results of a region, if one is seeded."""
    return next((c for c in CENTRES if c.region == region), None)
