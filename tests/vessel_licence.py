"""The small vessel licence's variants as the tests take them through: the documents each asks
for, the result each ends in, and its term in working days."""

from __future__ import annotations

DOCUMENTS = {
    "licence-after-exam": [
        "application",
        "identity-document",
        "photo",
        "medical-certificate",
        "exam-record",
    ],
    "duplicate": ["application", "identity-document", "photo"],
    "renewal-after-expiry": [
        "application",
        "identity-document",
        "photo",
        "medical-certificate",
        "expired-licence",
    ],
}
RESULTS = {
    "licence-after-exam": "licence",
    "duplicate": "duplicate",
    "renewal-after-expiry": "new-licence-after-expiry",
}
TERMS = {"licence-after-exam": 8, "duplicate": 1, "renewal-after-expiry": 2}
