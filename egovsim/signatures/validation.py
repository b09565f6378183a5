"""RFC 5280 §6.1 basic path validation of one candidate path, apart from time and revocation.

Everything here depends only on the certificates and the §6.1.1 inputs, so a path validated once
stays validated: the verifier checks validity periods and revocation at the validation time on
top. A refusal names the step of RFC 5280 that failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from egovsim.signatures.certs import CertInfo
from egovsim.signatures.names import (
    ConstraintViolation,
    NameConstraints,
    OutOfWork,
    WorkBudget,
    certificate_names,
)
from egovsim.signatures.policies import (
    ANY_POLICY,
    PolicyError,
    PolicyGraph,
    certificate_policies,
    policy_mappings,
)


@dataclass(frozen=True, slots=True)
class PathInputs:
    """The initial inputs of RFC 5280 §6.1.1 (the trust anchor aside: the verifier's anchors)."""

    user_initial_policy_set: frozenset[str] = frozenset({ANY_POLICY})
    initial_explicit_policy: bool = False
    initial_policy_mapping_inhibit: bool = False
    initial_any_policy_inhibit: bool = False
    initial_permitted_subtrees: tuple[x509.GeneralName, ...] | None = None
    initial_excluded_subtrees: tuple[x509.GeneralName, ...] = ()


DEFAULT_INPUTS = PathInputs()


class PathRefused(ValueError):
    """The path breaks a rule of §6.1; `step` names it ("§6.1.3 (b) name constraints")."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail


def _extension(cert: CertInfo, kind: type[x509.ExtensionType]) -> x509.ExtensionType | None:
    try:
        return cert.certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _anchor_constraints(
    anchor: CertInfo, inputs: PathInputs, budget: WorkBudget
) -> NameConstraints:
    if anchor.unknown_critical:
        raise PathRefused(
            "RFC 5937 trust anchor",
            f"{anchor.label()} has unknown critical extensions "
            + ", ".join(anchor.unknown_critical),
        )
    constraints = NameConstraints(budget=budget)
    if inputs.initial_permitted_subtrees is not None:
        constraints.add(x509.NameConstraints(list(inputs.initial_permitted_subtrees), None))
    if inputs.initial_excluded_subtrees:
        constraints.add(x509.NameConstraints(None, list(inputs.initial_excluded_subtrees)))
    anchored = _extension(anchor, x509.NameConstraints)
    if isinstance(anchored, x509.NameConstraints):
        # RFC 5937 §3: an anchor given as a certificate constrains the names under it.
        constraints.add(anchored)
    return constraints


def validate_path(
    path: tuple[CertInfo, ...],
    inputs: PathInputs = DEFAULT_INPUTS,
    budget: WorkBudget | None = None,
) -> set[str]:
    """Validate `path` (leaf first, anchor last); PathRefused, or the path's accepted policies."""
    budget = budget or WorkBudget()
    try:
        return _validate(path, inputs, budget)
    except OutOfWork as error:
        raise PathRefused("work budget", str(error)) from None


def _validate(path: tuple[CertInfo, ...], inputs: PathInputs, budget: WorkBudget) -> set[str]:
    anchor = path[-1]
    constraints = _anchor_constraints(anchor, inputs, budget)
    if len(path) == 1:
        return set(inputs.user_initial_policy_set)  # the anchor itself, trusted as configured
    certificates = path[-2::-1]
    n = len(certificates)
    graph = PolicyGraph(budget)
    explicit = 0 if inputs.initial_explicit_policy else n + 1
    any_policy = 0 if inputs.initial_any_policy_inhibit else n + 1
    mapping = 0 if inputs.initial_policy_mapping_inhibit else n + 1
    max_path_length = n
    working_issuer = anchor
    for i, cert in enumerate(certificates, start=1):
        last = i == n
        if cert.issuer_key != working_issuer.subject_key:
            raise PathRefused(
                "§6.1.3 (a)(4) name chaining",
                f"{cert.label()} names another issuer than {working_issuer.label()}",
            )
        if not (cert.self_issued and not last):
            try:
                constraints.check(certificate_names(cert.certificate, cert.subject_key))
            except ConstraintViolation as error:
                raise PathRefused(
                    "§6.1.3 (b)(c) name constraints", f"{cert.label()}: {error}"
                ) from None
        graph.process(
            certificate_policies(cert.certificate),
            any_policy > 0 or (not last and cert.self_issued),
        )
        if explicit == 0 and graph.empty:
            raise PathRefused(
                "§6.1.3 (f) certificate policies",
                f"no acceptable policy is left at {cert.label()} and an explicit policy is "
                "required",
            )
        _profile(cert, last)
        if cert.unknown_critical:
            raise PathRefused(
                "§6.1.5 (f) critical extensions" if last else "§6.1.4 (o) critical extensions",
                f"{cert.label()} has unknown critical extensions "
                + ", ".join(cert.unknown_critical),
            )
        if last:
            break
        try:
            graph.map(policy_mappings(cert.certificate), mapping > 0)
        except PolicyError as error:
            raise PathRefused("§6.1.4 (a) policy mappings", f"{cert.label()}: {error}") from None
        named = _extension(cert, x509.NameConstraints)
        if isinstance(named, x509.NameConstraints):
            constraints.add(named)
        if not cert.self_issued:
            explicit, mapping, any_policy = (max(v - 1, 0) for v in (explicit, mapping, any_policy))
        policy_constraints = _extension(cert, x509.PolicyConstraints)
        if isinstance(policy_constraints, x509.PolicyConstraints):
            if policy_constraints.require_explicit_policy is not None:
                explicit = min(explicit, policy_constraints.require_explicit_policy)
            if policy_constraints.inhibit_policy_mapping is not None:
                mapping = min(mapping, policy_constraints.inhibit_policy_mapping)
        inhibit_any = _extension(cert, x509.InhibitAnyPolicy)
        if isinstance(inhibit_any, x509.InhibitAnyPolicy):
            any_policy = min(any_policy, inhibit_any.skip_certs)
        if not cert.is_ca:
            raise PathRefused(
                "§6.1.4 (k) basic constraints",
                f"{cert.label()} issued a certificate but is not a CA",
            )
        if not cert.self_issued:
            if max_path_length <= 0:
                raise PathRefused(
                    "§6.1.4 (l) path length",
                    f"{cert.label()} is one CA more than a pathLenConstraint above allows",
                )
            max_path_length -= 1
        if cert.path_length is not None:
            max_path_length = min(max_path_length, cert.path_length)
        if cert.key_usage is not None and not cert.key_usage.key_cert_sign:
            raise PathRefused(
                "§6.1.4 (n) key usage",
                f"{cert.label()} may not sign certificates (keyUsage lacks keyCertSign)",
            )
        working_issuer = cert
    return _wrap_up(certificates[-1] if certificates else anchor, graph, explicit, inputs)


def _profile(cert: CertInfo, last: bool) -> None:
    """The certificate rules of RFC 5280 §4 that a validator must hold (not the Web PKI's)."""
    if not cert.subject_key:
        if not last:
            raise PathRefused("§4.1.2.6 subject", f"{cert.label()} is a CA with an empty subject")
        try:
            critical = cert.certificate.extensions.get_extension_for_oid(
                ExtensionOID.SUBJECT_ALTERNATIVE_NAME
            ).critical
        except x509.ExtensionNotFound:
            critical = False
        if not critical:
            raise PathRefused(
                "§4.2.1.6 subject alternative name",
                f"{cert.label()} has an empty subject and no critical subjectAltName",
            )
    if cert.authority_key_id is None and not cert.self_issued:
        raise PathRefused(
            "§4.2.1.1 authority key identifier",
            f"{cert.label()} does not identify the key that signed it",
        )
    if not last and cert.subject_key_id is None:
        raise PathRefused(
            "§4.2.1.2 subject key identifier", f"{cert.label()} is a CA without a key identifier"
        )
    if (abs(cert.serial).bit_length() + 8) // 8 > 20:
        raise PathRefused(
            "§4.1.2.2 serial number", f"{cert.label()} has a serial number longer than 20 octets"
        )
    if cert.key_usage is not None and cert.key_usage.key_cert_sign and not cert.is_ca:
        raise PathRefused(
            "§4.2.1.3 key usage",
            f"{cert.label()} asserts keyCertSign but is not a CA (basicConstraints)",
        )


def _wrap_up(leaf: CertInfo, graph: PolicyGraph, explicit: int, inputs: PathInputs) -> set[str]:
    """§6.1.5: the explicit-policy rule on the intersection with the user's initial set."""
    if explicit > 0:
        explicit -= 1
    policy_constraints = _extension(leaf, x509.PolicyConstraints)
    if (
        isinstance(policy_constraints, x509.PolicyConstraints)
        and policy_constraints.require_explicit_policy == 0
    ):
        explicit = 0
    accepted = graph.authorities_constrained(inputs.user_initial_policy_set)
    if explicit == 0 and not accepted:
        wanted = (
            "any policy"
            if ANY_POLICY in inputs.user_initial_policy_set
            else ", ".join(sorted(inputs.user_initial_policy_set))
        )
        raise PathRefused(
            "§6.1.5 (g) certificate policies",
            f"the path is valid for none of the acceptable policies ({wanted}) and an explicit "
            "policy is required",
        )
    return accepted
