"""The State Corporation as the web layer holds it: its operators' sign-in, and the parts that
work its centres' packages over one store, calendar, clock and gateway sender.

A package taken at the counter is forwarded to the provider; its paper result comes back, waits
a month for its applicant, is handed out, or goes back to the provider's storage, from where a
later request brings it again. A portal application's paper result takes the same path from its
arrival on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime

from egovsim.errors import EgovsimError
from egovsim.passwords import check_password, demo_password_hash
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.statecorp.arrivals import Arrivals
from egovsim.statecorp.centres import CENTRES
from egovsim.statecorp.counter import Counter
from egovsim.statecorp.desk import Send
from egovsim.statecorp.handout import HandOut
from egovsim.statecorp.returns import Returns
from egovsim.storage.statecorp import Operator, StateCorpStore


def seed_operators(password: str) -> list[Operator]:
    """The seeded centres' operators, their password hashed once a process (they share it)."""
    hashed = demo_password_hash(password)
    return [
        Operator(0, spec.id, o.login, hashed, o.name, o.iin)
        for spec in CENTRES
        for o in spec.operators
    ]


class StateCorp:
    """The State Corporation's operators, and its parts: the `counter` taking packages, the
    `handout` of results, the provider's `arrivals`, the `returns` to storage."""

    def __init__(
        self,
        store: StateCorpStore,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
        now: Callable[[], datetime],
        send: Send,
        enforce_effective_period: Callable[[], bool] = lambda: False,
    ) -> None:
        #: The operators, sessions and packages (the web layer keeps sessions there).
        self.store = store
        self.returns = Returns(store, regulations, calendar, now, send)
        self.counter = Counter(
            store, regulations, calendar, now, send, self.returns, enforce_effective_period
        )
        self.handout = HandOut(store, regulations, calendar, now, send)
        self.arrivals = Arrivals(store, regulations, calendar, now, send)

    async def seed(self, password: str) -> None:
        """The seeded operators that do not exist yet."""
        logins = [o.login for spec in CENTRES for o in spec.operators]
        if all([await self.store.operator_by_login(login) for login in logins]):
            return
        for operator in seed_operators(password):
            await self.store.save_operator(operator)

    async def sign_in(self, login: str, password: str) -> Operator:
        """The operator of a login and password; OPERATOR_LOGIN_FAILED otherwise."""
        operator = await self.store.operator_by_login(login)
        # The password is checked even for an unknown login, so timing does not tell them apart.
        stored = operator.password_hash if operator else "scrypt$16384$8$1$AAAA$AAAA"
        matches = await asyncio.get_running_loop().run_in_executor(
            None, check_password, password, stored
        )
        if operator is None or not matches:
            raise EgovsimError("OPERATOR_LOGIN_FAILED")
        return operator
