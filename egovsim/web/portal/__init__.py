"""The portal on the web, for citizens and companies: the catalogue, sign-in, requests, the
cabinet, the document check, the regulations' diagrams and the NCALayer socket."""
