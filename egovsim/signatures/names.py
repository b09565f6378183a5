"""Names as RFC 5280 compares them: distinguished names by §7.1, and name constraints (§4.2.1.10).

Two names are the same when their RDNs hold the same attribute types with values equal after
RFC 4518-style preparation (case folded, white space trimmed and collapsed), whatever the string
type. Name constraints are kept as layers, one per CA that set them: a name must satisfy every
layer's permitted subtrees of its form and none of the excluded ones, which is the intersection
and union §6.1.4 (g) asks for without computing them.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.x509.oid import NameOID

NameKey = tuple[frozenset[tuple[str, object]], ...]
EMAIL_ADDRESS = NameOID.EMAIL_ADDRESS.dotted_string

#: Name forms egovsim checks against constraints; others in a constraint refuse names of that form.
FORMS: dict[type, str] = {
    x509.DirectoryName: "directoryName",
    x509.RFC822Name: "rfc822Name",
    x509.DNSName: "dNSName",
    x509.UniformResourceIdentifier: "uniformResourceIdentifier",
    x509.IPAddress: "iPAddress",
}


def _prepared(value: str) -> str:
    # RFC 4518 in short: compatibility normalisation, case folding, insignificant space removed.
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def name_key(name: x509.Name) -> NameKey:
    """A key equal for two names exactly when RFC 5280 §7.1 says they match."""
    return tuple(
        frozenset(
            (
                attribute.oid.dotted_string,
                _prepared(attribute.value) if isinstance(attribute.value, str) else attribute.value,
            )
            for attribute in rdn
        )
        for rdn in name.rdns
    )


class ConstraintViolation(ValueError):
    """A name falls outside the permitted subtrees or inside an excluded one."""


class OutOfWork(ValueError):
    """The comparisons a path search may spend on names and policies are spent."""


@dataclass(slots=True)
class WorkBudget:
    """Comparisons left to one path search, shared by every candidate path it validates."""

    left: int = 100_000

    def spend(self, work: int) -> None:
        """Count `work` comparisons; OutOfWork once the budget is exceeded."""
        self.left -= work
        if self.left < 0:
            raise OutOfWork("the name constraints and policies are too large to check")


def _dns_within(name: str, base: str) -> bool:
    name, base = name.lower().rstrip("."), base.lower().rstrip(".")
    if not base:
        return True
    if base.startswith("."):
        return name.endswith(base)
    return name == base or name.endswith("." + base)


def _host_within(host: str, base: str) -> bool:
    # URI and mailbox hosts: a base with a leading dot names the domain's hosts, not itself.
    host, base = host.lower(), base.lower()
    if base.startswith("."):
        return host.endswith(base)
    return host == base


def _mailbox_within(mailbox: str, base: str) -> bool:
    if "@" in base:
        local, _, host = base.rpartition("@")
        m_local, _, m_host = mailbox.rpartition("@")
        return m_local == local and m_host.lower() == host.lower()
    return _host_within(mailbox.rpartition("@")[2], base)


def _uri_within(uri: str, base: str) -> bool:
    try:
        host = urlsplit(uri).hostname
    except ValueError:
        return False
    if not host:
        return False  # §4.2.1.10: a URI constraint needs a host to apply to
    return _host_within(host, base)


def _directory_within(name: NameKey, base: NameKey) -> bool:
    return len(name) >= len(base) and name[: len(base)] == base


def _ip_within(address: object, base: object) -> bool:
    if isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address) and isinstance(
        base, ipaddress.IPv4Network | ipaddress.IPv6Network
    ):
        return address.version == base.version and address in base
    if isinstance(address, ipaddress.IPv4Network | ipaddress.IPv6Network) and isinstance(
        base, ipaddress.IPv4Network | ipaddress.IPv6Network
    ):
        return address.version == base.version and address.subnet_of(base)  # type: ignore[arg-type]
    return False


@dataclass(frozen=True, slots=True)
class Subtree:
    """One GeneralSubtree's base, in the form the matching functions take."""

    form: str
    base: object


def subtrees(names: list[x509.GeneralName] | None) -> tuple[Subtree, ...]:
    """The subtrees of a nameConstraints field, bases prepared for matching."""
    found = []
    for name in names or ():
        form = FORMS.get(type(name), type(name).__name__)
        base: object = name.value
        if isinstance(name, x509.DirectoryName):
            base = name_key(name.value)
        found.append(Subtree(form, base))
    return tuple(found)


def _within(form: str, value: object, base: object) -> bool:
    if form == "directoryName":
        return _directory_within(value, base)  # type: ignore[arg-type]
    if form == "rfc822Name":
        return _mailbox_within(str(value), str(base))
    if form == "dNSName":
        return _dns_within(str(value), str(base))
    if form == "uniformResourceIdentifier":
        return _uri_within(str(value), str(base))
    if form == "iPAddress":
        return _ip_within(value, base)
    return False


_HOSTNAME = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+\.?")


def _common_name_as_host(certificate: x509.Certificate) -> tuple[str, object] | None:
    """The subject's CN read as a host name or IP address, as TLS clients of old still read it."""
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else None
    if not isinstance(value, str):
        return None
    try:
        return ("iPAddress", ipaddress.ip_address(value))
    except ValueError:
        pass
    return ("dNSName", value) if _HOSTNAME.fullmatch(value.lower()) else None


def certificate_names(certificate: x509.Certificate, subject: NameKey) -> list[tuple[str, object]]:
    """The names of a certificate's subject that constraints apply to (§6.1.3 (b), (c)).

    Beside the DN, its emailAddress and the subjectAltName, a CN that reads as a host name or IP
    address counts as one when the certificate has no subjectAltName of that form: many TLS
    clients still match it, so a constraint must not be escaped through it.
    """
    names: list[tuple[str, object]] = []
    if subject:
        names.append(("directoryName", subject))
    for attribute in certificate.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS):
        names.append(("rfc822Name", attribute.value))
    try:
        alternative = list(
            certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        )
    except x509.ExtensionNotFound:
        alternative = []
    for general in alternative:
        form = FORMS.get(type(general), type(general).__name__)
        value: object = general.value
        if isinstance(general, x509.DirectoryName):
            value = name_key(general.value)
        names.append((form, value))
    host = _common_name_as_host(certificate)
    if host is not None and all(form != host[0] for form, _ in names):
        names.append(host)
    return names


@dataclass(slots=True)
class NameConstraints:
    """The permitted layers and excluded subtrees gathered along a path, with a work bound."""

    permitted: list[tuple[Subtree, ...]] = field(default_factory=list)
    excluded: list[Subtree] = field(default_factory=list)
    budget: WorkBudget = field(default_factory=WorkBudget)

    def add(self, constraints: x509.NameConstraints) -> None:
        """Take in one CA's nameConstraints (§6.1.4 (g))."""
        if constraints.permitted_subtrees is not None:
            self.permitted.append(subtrees(constraints.permitted_subtrees))
        self.excluded.extend(subtrees(constraints.excluded_subtrees))

    def check(self, names: list[tuple[str, object]]) -> None:
        """Raise ConstraintViolation for the first name outside the constraints."""
        for form, value in names:
            if not _well_formed(form, value) and self._constrains(form):
                # §4.2.1.10: a name that cannot be compared with a constraint of its form
                # (a mailbox without a host, a URI without one, a malformed host) is refused.
                raise ConstraintViolation(f"{form} {_shown(value)} cannot be checked")
            for layer in self.permitted:
                of_form = [s for s in layer if s.form == form]
                self.budget.spend(len(of_form))
                if of_form and not any(_within(form, value, s.base) for s in of_form):
                    raise ConstraintViolation(f"{form} {_shown(value)} is not permitted")
            self.budget.spend(len(self.excluded))
            for subtree in self.excluded:
                if subtree.form == form and (
                    _within(form, value, subtree.base) or _wildcard_reaches(form, value, subtree)
                ):
                    raise ConstraintViolation(f"{form} {_shown(value)} is excluded")
            if form not in FORMS.values() and self._constrains(form):
                raise ConstraintViolation(f"a {form} name cannot be checked against constraints")

    def _constrains(self, form: str) -> bool:
        return any(s.form == form for s in self.excluded) or any(
            s.form == form for layer in self.permitted for s in layer
        )


_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")


def _host_well_formed(host: str) -> bool:
    labels = host.lower().removeprefix("*.").split(".")
    return 0 < len(host) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def _well_formed(form: str, value: object) -> bool:
    """Whether a name of the forms egovsim compares has the syntax the comparison needs."""
    if form == "dNSName":
        return _host_well_formed(str(value).removesuffix("."))
    if form == "rfc822Name":
        local, at, host = str(value).rpartition("@")
        return bool(at and local and "@" not in local) and _host_well_formed(host)
    if form == "uniformResourceIdentifier":
        try:
            return bool(urlsplit(str(value)).hostname)
        except ValueError:
            return False
    return True


def _wildcard_reaches(form: str, value: object, subtree: Subtree) -> bool:
    """Whether a wildcard dNSName ("*.example.com") could stand for a name of the subtree."""
    if form != "dNSName" or not str(value).startswith("*."):
        return False
    base = str(subtree.base).lower().lstrip(".")
    domain = str(value)[2:].lower()
    return base.endswith("." + domain) and "." not in base[: -len(domain) - 1]


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join("+".join(f"{oid}={v}" for oid, v in sorted(rdn, key=str)) for rdn in value)
    return str(value)
