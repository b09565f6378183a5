"""Signing and checking CMS signatures (C2, SPEC §4). Depends on `pki` only: no database or HTTP."""
