"""The step kinds of scenario files, each a function of the scenario's state and the step's
arguments giving the HTTP replies it got (which the runner judges)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from egovsim.scenarios.actors import Reply
from egovsim.scenarios.steps import expect, ncalayer, offices, portal, soap, trainer
from egovsim.scenarios.steps.base import Run, StepFailed

Action = Callable[[Run, dict[str, Any]], Awaitable[list[Reply]]]

#: Each step kind of `model.STEP_KEYS` and the function carrying it out.
ACTIONS: Mapping[str, Action] = {
    "register": portal.register,
    "login": portal.login,
    "logout": portal.logout,
    "order": portal.order,
    "attach": portal.attach,
    "sign": portal.sign,
    "check": portal.check,
    "result": portal.result,
    "ncalayer": ncalayer.ncalayer,
    "deliver": trainer.deliver,
    "staff": offices.staff,
    "counter": offices.counter,
    "clock": trainer.clock,
    "fault": trainer.fault,
    "soap": soap.soap,
    "http": trainer.http,
    "expect": expect.expect,
}

__all__ = ["ACTIONS", "Action", "Run", "StepFailed"]
