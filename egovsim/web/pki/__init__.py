"""The test PKI's public endpoints on HTTP: CA certificates, CRLs, OCSP and the TSA."""
