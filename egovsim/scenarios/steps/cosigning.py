"""What the signing steps add to a CMS after its first signer: the co-signers (`cosigners`,
each a persona's signing key, added as `egovsim sign cms --add` adds them) and the
signature-time-stamps (`timestamp: true`) the simulator's own TSA gives at `/tsp`, over HTTP as
any client asks it; `tamper: timestamp` puts on a token the TSA gave for another signature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from egovsim.pki.keystore import Keystore
from egovsim.scenarios.steps.base import Run, StepFailed
from egovsim.signatures import cades, cms
from egovsim.signatures.revocation import FetchError

#: What a token of `tamper: timestamp` was really given for.
OTHER_CONTENT = b"egovsim: another document, whose signature the token stamps"


def signing_keystore(run: Run, persona: str) -> Keystore:
    """The persona's signing keystore (its AUTH one when it has no signing key)."""
    stores = run.personas.entry(persona)["keystores"]
    return run.personas.keystore(persona, "sign" if "sign" in stores else "auth")


async def completed(
    run: Run, keystore: Keystore, signed: bytes, content: bytes, at: datetime, args: dict[str, Any]
) -> bytes:
    """`signed` (by `keystore`) with the step's co-signers after its first signer, then its
    timestamps."""
    detached = bool(args.get("detached", False))
    for persona in args.get("cosigners") or []:
        cosigner = signing_keystore(run, str(run.fill(persona)))
        try:
            signed = cades.add_signer(
                signed,
                content if detached else None,
                cosigner.key,
                cosigner.certificate,
                cosigner.chain,
                at,
            )
        except ValueError as error:
            raise StepFailed(f"co-signer {persona}: {error}") from None
    if not args.get("timestamp"):
        return signed
    if args.get("tamper") == "timestamp":
        return await _stamped_for_another(run, keystore, signed, at)
    return await _stamped(run, signed)


def _post(run: Run) -> cades.Post:
    """The TSA's address on the simulator the scenario runs against."""

    async def post(url: str, body: bytes, content_type: str) -> bytes:
        reply = await run.http.request(
            "POST", "/tsp", data=body, headers={"Content-Type": content_type}
        )
        if reply.status != 200:
            raise FetchError(f"HTTP {reply.status}")
        return reply.raw

    return post


async def _stamped(run: Run, signed: bytes) -> bytes:
    try:
        return await cades.stamp_every_signer(_post(run), run.http.base_url + "/tsp", signed)
    except cades.TimestampError as error:
        raise StepFailed(f"the simulator's TSA gave no timestamp: {error.code}: {error}") from None


async def _stamped_for_another(run: Run, keystore: Keystore, signed: bytes, at: datetime) -> bytes:
    """Each signer gets a good token from the TSA, for another signature value: the token a
    careless client copies from one document to the next."""
    other = cms.sign(OTHER_CONTENT, keystore.key, keystore.certificate, keystore.chain, at)
    post, url = _post(run), run.http.base_url + "/tsp"
    try:
        tokens = {
            index: await cades.fetch_token(post, url, cms.parse(other).signers[0].signature)
            for index, _ in cades.unstamped(signed)
        }
    except cades.TimestampError as error:
        raise StepFailed(f"the simulator's TSA gave no timestamp: {error.code}: {error}") from None
    return cades.with_timestamps(signed, tokens)
