"""`make bench`: every benchmark, its figures printed and saved to bench/results/latest.json."""

from __future__ import annotations

from bench import api_models, gateway, ocsp, scale, submissions, telemetry, verify
from bench.common import save
from tests.pg_cluster import binaries


def main() -> None:
    """Run the benchmarks in turn."""
    results = {
        "verify": verify.run(),
        "ocsp": ocsp.run(),
        "gateway": gateway.run(),
        # The same, accepted by two processes on the one port (serve --processes 2).
        "gateway_2_processes": gateway.run(processes=2),
        "gateway_deliveries_apart": gateway.run(deliveries="apart"),
        "gateway_deliveries_apart_2_processes": gateway.run(deliveries="apart", processes=2),
        "submissions": submissions.run(),
        "submissions_2_processes": submissions.run(processes=2),
        # The same on PostgreSQL, one instance (skipped without PostgreSQL's programs).
        **({"submissions_postgresql": submissions.run("postgresql")} if binaries() else {}),
        # Two instances on one PostgreSQL database, the clients spread over both.
        **(
            {"submissions_postgresql_2": submissions.run("postgresql", instances=2)}
            if binaries()
            else {}
        ),
        "api_models": api_models.run(),
        "telemetry": telemetry.run(),
    }
    results["scale"] = scale.run()
    if binaries():
        # The same pages with the same history on PostgreSQL (filled through the same paths).
        results["scale_postgresql"] = scale.run(database="postgresql")
    print(f"saved to {save(results)}")


if __name__ == "__main__":
    main()
