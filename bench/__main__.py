"""`make bench`: every benchmark, its figures printed and saved to bench/results/latest.json."""

from __future__ import annotations

from bench import api_models, gateway, ocsp, scale, submissions, verify
from bench.common import save


def main() -> None:
    """Run the benchmarks in turn."""
    results = {
        "verify": verify.run(),
        "ocsp": ocsp.run(),
        "gateway": gateway.run(),
        "submissions": submissions.run(),
        "api_models": api_models.run(),
    }
    results["scale"] = scale.run()
    print(f"saved to {save(results)}")


if __name__ == "__main__":
    main()
