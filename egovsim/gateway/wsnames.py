"""The XML names WS-Security speaks, shared by signing and checking: namespaces, token types, and
the qualified names of the elements both look for (XML-DSig's own are in `signatures.xmldsig`)."""

from __future__ import annotations

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"

WSU_ID = f"{{{WSU}}}Id"
SOAP_BODY = f"{{{SOAP}}}Body"
WSU_TIMESTAMP = f"{{{WSU}}}Timestamp"
