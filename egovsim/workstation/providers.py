"""The seeded providers and their staff logins, one per role (SPEC §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from egovsim.identity import generate_iin
from egovsim.pki.personas import PROVIDER_ENTITIES

#: The roles of the workstation: the regulation's staff roles, and the authorized signer who
#: may sign results in the head's stead.
StaffRole = Literal["office", "head", "department_head", "executor", "signer"]
ROLES: tuple[StaffRole, ...] = ("office", "head", "department_head", "executor", "signer")


@dataclass(frozen=True, slots=True)
class StaffSpec:
    """A staff login to seed; `persona` names the PKI persona whose signing key it uses."""

    login: str
    role: StaffRole
    name: str
    iin: str
    persona: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """A provider to seed."""

    id: str
    number_prefix: str
    name: dict[str, str]
    region: str
    services: tuple[str, ...]
    staff: tuple[StaffSpec, ...]

    @property
    def bin(self) -> str:
        """The provider's BIN, as its officials' certificates carry it."""
        return PROVIDER_ENTITIES[self.id][0]


def _iin(year: int, month: int, day: int, sex: Literal["male", "female"], serial: int) -> str:
    return generate_iin(date(year, month, day), sex, serial=serial)


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        id="shymkent-energy",
        number_prefix="SHY",
        name={
            "kk": "Шымкент қаласының энергетика және коммуналдық шаруашылық басқармасы",
            "ru": "Управление энергетики и коммунального хозяйства города Шымкент",
            "en": "Shymkent City Department of Energy and Housing and Utilities",
        },
        region="Shymkent",
        services=("shymkent-energy-readiness-passport",),
        staff=(
            StaffSpec(
                "shym-office", "office", "ӘЛІБЕКОВА Мадина", _iin(1990, 5, 12, "female", 123)
            ),
            StaffSpec("shym-head", "head", "ОРМАНОВ Бауыржан", "", "shymkent-energy-head"),
            StaffSpec(
                "shym-dept", "department_head", "САПАРОВ Ержан", _iin(1982, 3, 4, "male", 145)
            ),
            StaffSpec(
                "shym-executor", "executor", "ТҰРСЫНОВА Айжан", _iin(1993, 7, 16, "female", 178)
            ),
            StaffSpec("shym-signer", "signer", "ДҮЙСЕНОВА Жанар", "", "shymkent-energy-signer"),
        ),
    ),
    ProviderSpec(
        id="almaty-transport",
        number_prefix="ALA",
        name={
            "kk": "Алматы қаласының Жолаушылар көлігі және автомобиль жолдары басқармасы",
            "ru": "Управление пассажирского транспорта и автомобильных дорог города Алматы",
            "en": "Almaty City Department of Passenger Transport and Roads",
        },
        region="Almaty",
        services=("almaty-small-vessel-licence",),
        staff=(
            StaffSpec(
                "alm-office", "office", "НҰРМАҒАМБЕТОВА Әсем", _iin(1995, 2, 23, "female", 156)
            ),
            StaffSpec("alm-head", "head", "ҚОЖАХМЕТОВ Руслан", "", "almaty-transport-head"),
            StaffSpec(
                "alm-dept", "department_head", "ЖАНӘБІЛОВ Арман", _iin(1980, 1, 1, "male", 167)
            ),
            StaffSpec(
                "alm-executor", "executor", "БЕКОВА Гүлжан", _iin(1991, 4, 30, "female", 189)
            ),
            StaffSpec("alm-signer", "signer", "ЕРМЕКОВА Сәуле", "", "almaty-transport-signer"),
        ),
    ),
)
