"""Before a guided run on the running simulator (a tour, a refusal's "try it"): what the run needs
of the simulator, set so that whatever ran before cannot change its outcome.

The accounts it signs in as start without failed logins or a lock (five failures from earlier
runs would turn its PASSWORD_WRONG into ACCOUNT_LOCKED); the accounts it registers are free to
register again (the earlier one is retired, with its applications); the verifier's caches are
empty (an OCSP answer cached at a later hour would still say "revoked" after the clock went
back); every fault switch is off (the run switches on what it needs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from egovsim.scenarios.actors import ActorError, Http, Reply
from egovsim.scenarios.model import Scenario
from egovsim.storage.accounts import AccountStore

#: The steps that sign in or register an account.
ACCOUNT_KINDS = ("login", "register")


@dataclass(frozen=True, slots=True)
class Needs:
    """The portal accounts a scenario signs in as, and those it registers anew."""

    sign_in: frozenset[str]
    register: frozenset[str]


def needs_of(scenario: Scenario, personas: Iterable[Mapping[str, Any]]) -> Needs:
    """The accounts `scenario` uses: each login and registration step's login (the step's own
    `login`, else the persona's BIN or IIN, as the steps send it)."""
    by_id = {str(p["id"]): p for p in personas}
    sign_in: set[str] = set()
    register: set[str] = set()
    for step in scenario.steps:
        if step.kind not in ACCOUNT_KINDS:
            continue
        persona = by_id.get(str(step.args.get("persona")))
        given = step.args.get("login")
        if given is not None:
            login = str(given)
        elif persona is not None:
            login = str(persona.get("bin") or persona["iin"])
        else:
            continue
        if "{" in login:  # filled in from the run's state: not known before it
            continue
        if step.kind == "register" and step.refused is None:
            register.add(login)
        else:
            sign_in.add(login)
    return Needs(frozenset(sign_in - register), frozenset(register))


async def prepare_accounts(store: AccountStore, needs: Needs) -> list[str]:
    """Set the accounts as the run needs them; what was done, in words."""
    done = []
    for login in sorted(needs.sign_in):
        if await store.forget_failures(login):
            done.append(f"account {login}: failed logins forgotten, lock lifted")
    for login in sorted(needs.register):
        if await store.retire_account(login):
            done.append(f"account {login}: the earlier registration retired")
    return done


async def switches_off(http: Http) -> list[str]:
    """Switch every fault off through the simulator's own fault and gateway APIs; which were
    on."""
    listing = _body(await http.request("GET", "/api/v1/faults"))
    done = []
    for item in listing["faults"]:
        if item.get("on"):
            _body(await http.request("DELETE", f"/api/v1/faults/{item['name']}"))
            done.append(f"switch {item['name']}: off")
    routes = _body(await http.request("GET", "/api/v1/gateway/routes"))
    for route in routes["routes"]:
        if route.get("fault"):
            service_id = route["service_id"]
            _body(await http.request("DELETE", f"/api/v1/gateway/routes/{service_id}/fault"))
            done.append(f"receiver {service_id}: fault off")
    return done


def _body(reply: Reply) -> dict[str, Any]:
    if reply.status >= 300 or not isinstance(reply.body, dict):
        raise ActorError("the fault switches cannot be read or set", reply.evidence())
    return reply.body
