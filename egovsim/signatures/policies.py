"""Certificate policy processing of RFC 5280 §6.1, in RFC 9618's valid_policy_graph form.

Each depth holds at most one node per policy OID, with every parent linked, so a path of
certificates with many policies and mappings costs the product of two levels' sizes, never the
exponential tree of RFC 5280's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from egovsim.signatures.names import WorkBudget

ANY_POLICY = "2.5.29.32.0"


class PolicyError(ValueError):
    """A policy rule of the path does not hold; the message names the RFC 5280 step."""


@dataclass(slots=True, eq=False)
class PolicyNode:
    """One node: a valid policy, the policies expected next, and the nodes above it."""

    valid_policy: str
    expected: set[str]
    parents: list[PolicyNode] = field(default_factory=list)


Level = dict[str, PolicyNode]


def certificate_policies(certificate: x509.Certificate) -> list[str] | None:
    """The OIDs of a certificate's policies, or None without the extension."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.CertificatePolicies)
    except x509.ExtensionNotFound:
        return None
    return [info.policy_identifier.dotted_string for info in extension.value]


def policy_mappings(certificate: x509.Certificate) -> dict[str, set[str]]:
    """issuerDomainPolicy → subjectDomainPolicies, from the policyMappings extension."""
    try:
        extension = certificate.extensions.get_extension_for_oid(ExtensionOID.POLICY_MAPPINGS)
    except x509.ExtensionNotFound:
        return {}
    raw = extension.value
    # `cryptography` leaves policyMappings unparsed; asn1crypto reads its two OIDs per mapping.
    encoded = raw.value if isinstance(raw, x509.UnrecognizedExtension) else raw.public_bytes()
    try:
        parsed = asn1_x509.PolicyMappings.load(encoded)
        pairs = [
            (m["issuer_domain_policy"].dotted, m["subject_domain_policy"].dotted) for m in parsed
        ]
    except (ValueError, TypeError) as error:
        raise PolicyError(f"§6.1.4 (a) policy mappings: unreadable ({error})") from None
    mapped: dict[str, set[str]] = {}
    for issuer, subject in pairs:
        if ANY_POLICY in (issuer, subject):
            raise PolicyError("§6.1.4 (a) policy mappings: anyPolicy may not be mapped")
        mapped.setdefault(issuer, set()).add(subject)
    return mapped


class PolicyGraph:
    """The valid_policy_graph of a path being validated, one level per certificate."""

    def __init__(self, budget: WorkBudget | None = None) -> None:
        self._budget = budget or WorkBudget()
        root = PolicyNode(ANY_POLICY, {ANY_POLICY})
        self.levels: list[Level] | None = [{ANY_POLICY: root}]

    @property
    def empty(self) -> bool:
        """Whether the graph is NULL (RFC 5280's valid_policy_tree = NULL)."""
        return self.levels is None

    def process(self, policies: list[str] | None, any_allowed: bool) -> None:
        """§6.1.3 (d) and (e): add the level of the next certificate's policies."""
        if self.levels is None:
            return
        if policies is None:
            self.levels = None
            return
        above = self.levels[-1]
        level: Level = {}
        for policy in dict.fromkeys(policies):
            if policy == ANY_POLICY:
                continue
            self._budget.spend(len(above))
            parents = [node for node in above.values() if policy in node.expected]
            if not parents and ANY_POLICY in above:
                parents = [above[ANY_POLICY]]
            if parents:
                level[policy] = PolicyNode(policy, {policy}, parents)
        if ANY_POLICY in policies and any_allowed:
            # (d)(2): each expected policy without a node gets one, under every node expecting it.
            for node in above.values():
                self._budget.spend(len(node.expected) * len(above))
                for expected in node.expected:
                    if expected not in level:
                        level[expected] = PolicyNode(
                            expected,
                            {expected},
                            [n for n in above.values() if expected in n.expected],
                        )
        self.levels.append(level)
        self._prune()

    def map(self, mappings: dict[str, set[str]], mapping_allowed: bool) -> None:
        """§6.1.4 (b): apply the certificate's policy mappings to the last level."""
        if self.levels is None or not mappings:
            return
        level = self.levels[-1]
        above = self.levels[-2]
        for issuer_policy, subject_policies in mappings.items():
            if mapping_allowed:
                node = level.get(issuer_policy)
                if node is not None:
                    node.expected = set(subject_policies)
                elif ANY_POLICY in level and ANY_POLICY in above:
                    level[issuer_policy] = PolicyNode(
                        issuer_policy, set(subject_policies), [above[ANY_POLICY]]
                    )
            else:
                level.pop(issuer_policy, None)
        self._prune()

    def _prune(self) -> None:
        # (d)(3): a node of an upper level without children below it goes, bottom up.
        assert self.levels is not None
        for depth in range(len(self.levels) - 1, 0, -1):
            kept = {id(parent) for node in self.levels[depth].values() for parent in node.parents}
            upper = self.levels[depth - 1]
            for policy in [p for p, node in upper.items() if id(node) not in kept]:
                del upper[policy]
        if not self.levels[0]:
            self.levels = None

    def authorities_constrained(self, user_initial: frozenset[str]) -> set[str]:
        """§6.1.5 (g): the policies the path is valid for within the user's initial set."""
        if self.levels is None or len(self.levels) < 2:
            return set()
        leaf = self.levels[-1]
        if ANY_POLICY in leaf:
            return set(user_initial)
        if ANY_POLICY in user_initial:
            return set(leaf)
        accepted: dict[int, bool] = {}

        def acceptable(node: PolicyNode) -> bool:
            # A node survives (g)(iii) when a path up through it starts, below anyPolicy, with
            # a policy the user accepts: the first node after anyPolicy is what (g)(iii) prunes.
            known = accepted.get(id(node))
            if known is None:
                known = any(
                    (node.valid_policy in user_initial)
                    if parent.valid_policy == ANY_POLICY
                    else acceptable(parent)
                    for parent in node.parents
                )
                accepted[id(node)] = known
            return known

        return {policy for policy, node in leaf.items() if acceptable(node)}
