"""The gateway on the web: the SOAP endpoints (`/shep/...`), its operator's JSON API and pages,
and its pushes to external provider systems."""
