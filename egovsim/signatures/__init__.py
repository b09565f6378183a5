"""Signing and checking CMS signatures (C2, SPEC §4). Depends on `pki` only: no database or HTTP.

`verifier` runs the checks in order and answers with a `report`; `path` builds certification
paths and `validation` holds them to RFC 5280 §6.1, with `names` (§7.1 comparison, name
constraints) and `policies` (RFC 9618's policy graph); `revocation` asks OCSP (`ocsp_check`) and
CRLs (`crls`, `crl_signers`) through a `fetching.Fetcher`; `cms`, `der` and `encoding` read what
users hand over.
"""
