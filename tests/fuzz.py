"""`make fuzz`: every parser's fuzz target (`tests/fuzz_targets.py`) run for a while with
mutations of valid inputs; prints the inputs tried per parser and each failure, and exits 1
when there is one. `python -m tests.fuzz --seconds 60 --seed 1 cms soap-wss` runs some."""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
import warnings
from pathlib import Path

from tests.fuzz_targets import harness, mutate


def main(argv: list[str] | None = None) -> int:
    """Fuzz the named targets (all by default) for `--seconds` each."""
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("targets", nargs="*", help="the targets to run (default: all)")
    parser.add_argument("--seconds", type=float, default=30.0, help="per target (default 30)")
    parser.add_argument("--seed", type=int, default=None, help="the mutations' random seed")
    parser.add_argument("--save", type=Path, default=Path("fuzz-failures"), help="failing inputs")
    arguments = parser.parse_args(argv)
    seed = arguments.seed if arguments.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    warnings.simplefilter("ignore", ResourceWarning)
    print(f"seed {seed}; {arguments.seconds:g} s per target; making a test PKI...", flush=True)
    failed = 0
    with harness() as running:
        targets = running.targets()
        chosen = arguments.targets or list(targets)
        unknown = sorted(set(chosen) - set(targets))
        if unknown:
            parser.error(f"no target {', '.join(unknown)}; there are {', '.join(targets)}")
        for name in chosen:
            target = targets[name]
            tried, failures = 0, []
            deadline = time.monotonic() + arguments.seconds
            while time.monotonic() < deadline:
                data = mutate(rng, target.seeds)
                tried += 1
                try:
                    target.run(data)
                except Exception as error:
                    failures.append((data, error))
            print(f"{name:16} {tried:8d} inputs tried, {len(failures)} failures", flush=True)
            for number, (data, error) in enumerate(failures[:5], 1):
                arguments.save.mkdir(exist_ok=True)
                path = arguments.save / f"{name}-{number}.bin"
                path.write_bytes(data)
                print(f"  {path}: {type(error).__name__}: {str(error)[:200]}")
                print("  " + "".join(traceback.format_exception(error)[-3:]).strip()[:600])
            failed += len(failures)
    print(f"{failed} failures in all" if failed else "no failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
