"""Every object shared through the aiohttp application, under a typed key, in one place."""

from __future__ import annotations

from aiohttp import web

from egovsim.clock import Clock
from egovsim.config import Settings
from egovsim.pki.authority import TestPki
from egovsim.pki.ocsp import OcspResponder
from egovsim.signatures.verifier import Verifier
from egovsim.web.fetch import HttpFetcher

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
PKI = web.AppKey("pki", TestPki)
OCSP = web.AppKey("ocsp", OcspResponder)
FETCHER = web.AppKey("fetcher", HttpFetcher)
VERIFIER = web.AppKey("verifier", Verifier)
