"""Which refusals of the catalogue each fault switch leads to, for the console to link each
switch to its catalogue entries and the catalogue to show the switches that reach an entry.

Read off three places: what the switches are known to cause (below), the shipped scenarios that
switch a fault on before a refused step, and the catalogue's triggers that name a switch.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from egovsim.catalogue.triggers import TRIGGERS
from egovsim.errors import CATALOGUE
from egovsim.scenarios.index import codes_after_fault

#: What a switch causes on its own or with another (the verifier falls back from OCSP to the
#: CRLs, so `ocsp-down` alone passes; with `crl-stale` nothing current is left).
KNOWN: Mapping[str, tuple[str, ...]] = {
    "ocsp-down": ("REVOCATION_UNAVAILABLE",),
    "ocsp-slow": ("REVOCATION_UNAVAILABLE",),
    "ocsp-unknown": ("REVOCATION_UNAVAILABLE", "AUTH_SIGNATURE_REFUSED"),
    "crl-stale": ("REVOCATION_UNAVAILABLE",),
    "gateway-down": ("GATEWAY_UNAVAILABLE", "REQUEST_NOT_SENT", "FORWARD_FAILED"),
    "signer-key-missing": ("SIGNER_HAS_NO_KEY",),
    "effective-period": ("SERVICE_NOT_EFFECTIVE",),
    "gateway:unreachable": ("RECEIVER_UNREACHABLE",),
    "tsa-down": ("TSA_UNAVAILABLE",),
    "tsa-slow": ("TSA_UNAVAILABLE",),
    "tsa-wrong-imprint": ("TIMESTAMP_IMPRINT_MISMATCH",),
    "tsa-untrusted": ("TSA_UNTRUSTED",),
}


@functools.cache
def codes_for_switch(key: str) -> tuple[str, ...]:
    """The catalogue codes switch `key` leads to (`ocsp-down`, `gateway:unreachable`), sorted;
    only codes the catalogue has."""
    found = set(KNOWN.get(key, ())) | codes_after_fault(key)
    # A trigger names a receiver's fault by its kind in the API's body, a switch by its name.
    named = f'"kind": "{key[8:]}"' if key.startswith("gateway:") else f"/faults/{key}"
    for code, trigger in TRIGGERS.items():
        switch = trigger.fault_switch or ""
        if named in switch or switch == key:
            found.add(code)
    return tuple(sorted(code for code in found if code in CATALOGUE))


def switches_for_code(code: str, keys: Iterable[str]) -> list[str]:
    """The switches among `keys` that lead to `code`."""
    return [key for key in keys if code in codes_for_switch(key)]


def every_switch(names: Iterable[str], receiver_kinds: Iterable[str]) -> list[str]:
    """The keys of every switch: the named ones (`ocsp-down`), then each kind of a gateway
    receiver's fault (`gateway:unreachable`)."""
    return [*names, *(f"gateway:{kind}" for kind in receiver_kinds)]
