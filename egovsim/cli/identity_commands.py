"""`egovsim id check|new`: IINs and BINs, validated and explained, or made for test data."""

from __future__ import annotations

import argparse
import random
from datetime import date
from typing import Any

from egovsim.cli.common import UsageError, print_json
from egovsim.config import Settings
from egovsim.identity import classify, explain_bin, explain_iin, generate_bin, generate_iin


def register(commands: Any, shared: argparse.ArgumentParser) -> None:
    """Add the `id` command tree."""
    identity = commands.add_parser("id", help="check or make IINs and BINs")
    actions = identity.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("check", parents=[shared], help="validate and explain a number")
    check.add_argument("number")
    check.add_argument("--kind", choices=("iin", "bin"), help="default: guess")
    check.add_argument("--json", action="store_true")
    check.set_defaults(run=_check)
    new = actions.add_parser("new", parents=[shared], help="make a valid IIN or BIN")
    new.add_argument("kind", choices=("iin", "bin"))
    new.add_argument("--born", type=date.fromisoformat, help="IIN: birth date (YYYY-MM-DD)")
    new.add_argument("--sex", choices=("male", "female"), default="male")
    new.add_argument("--registered", help="BIN: registration month (YYYY-MM)")
    new.add_argument("--seed", type=int, help="make the same number again")
    new.set_defaults(run=_new)


def _check(arguments: argparse.Namespace, settings: Settings) -> int:
    number = arguments.number.strip()
    kind = arguments.kind or classify(number) or ("bin" if number[4:5] in "456" else "iin")
    problems = explain_iin(number) if kind == "iin" else explain_bin(number)
    if arguments.json:
        print_json(
            {
                "number": number,
                "kind": kind,
                "valid": not problems,
                "problems": [
                    {"code": p.code, "digits": list(p.position), "message": p.message}
                    for p in problems
                ],
            }
        )
    elif problems:
        print(f"{number} is not a valid {kind.upper()}:")
        for problem in problems:
            first, last = problem.position
            print(f"  digits {first}-{last}: {problem.code}: {problem.message}")
    else:
        print(f"{number} is a valid {kind.upper()}")
    return 1 if problems else 0


def _new(arguments: argparse.Namespace, settings: Settings) -> int:
    rng = random.Random(arguments.seed)
    try:
        if arguments.kind == "iin":
            born = arguments.born or date(1990, 1, 1)
            print(generate_iin(born, arguments.sex, rng=rng))
        else:
            year, month = (int(p) for p in (arguments.registered or "2010-01").split("-"))
            print(generate_bin(year, month, rng=rng))
    except ValueError as error:
        raise UsageError(str(error)) from None
    return 0
