"""An NCALayer-compatible signer answering from the personas' keystores.

- `protocol`: one message in, one answer out; commonUtils, and the dispatch to the others.
- `basics`: `kz.gov.pki.knca.basics` `sign`, with its `tsaProfile`.
- `extensions`: egovsim's own modules (`kz.egovsim.keys`, `kz.egovsim.cms`).
- `calls`: what they share (the session, failures, arguments, keystores).
- `stamping`: the timestamps a tsaProfile asks of the simulator's TSA.
- `keys`, `signer`, `xmldsig`, `tls`: the key sets, CMS signing, signXml (made by
  `signatures.xmldsig`), the socket's TLS.
"""
