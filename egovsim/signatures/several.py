"""The verdict of a CMS signed by several people, from the verdict of each signer."""

from __future__ import annotations

from datetime import datetime

from egovsim.signatures.report import (
    Check,
    Indication,
    Report,
    SignerReport,
    failed,
    passed,
)


def combine(head: list[Check], signers: list[SignerReport], validation_time: datetime) -> Report:
    """The verdict of a CMS with several signers. The rule: every signer is checked; when all
    pass, TOTAL_PASSED; otherwise SIGNER_REFUSED, TOTAL_FAILED if any refused signer is
    TOTAL_FAILED else INDETERMINATE, with the subindication of the first refused signer, whose
    name and code the check `signer N` gives. The top-level signer is the first one."""
    checks = list(head)
    refused = [s for s in signers if not s.verdict.passed]
    for signer in signers:
        verdict = signer.verdict
        if verdict.passed:
            checks.append(passed(f"signer {signer.index}", signer.name()))
        else:
            checks.append(
                failed(
                    f"signer {signer.index}",
                    "SIGNER_REFUSED",
                    f"{signer.name()}: {verdict.code}",
                    verdict.subindication,
                    index=signer.index,
                    signer_code=verdict.code,
                )
            )
    first = signers[0].verdict
    if not refused:
        return Report(
            Indication.TOTAL_PASSED,
            None,
            None,
            validation_time,
            tuple(checks),
            first.signer,
            first.signing_time,
            first.chain,
            tuple(signers),
        )
    worst = (
        Indication.TOTAL_FAILED
        if any(s.verdict.indication is Indication.TOTAL_FAILED for s in refused)
        else Indication.INDETERMINATE
    )
    return Report(
        worst,
        refused[0].verdict.subindication,
        "SIGNER_REFUSED",
        validation_time,
        tuple(checks),
        first.signer,
        first.signing_time,
        first.chain,
        tuple(signers),
    )
