"""Scenario files: YAML sequences of actors' actions, clock moves and expected outcomes, run by
`egovsim scenario run FILES... [--base-url URL]` (SPEC §7) with JUnit XML and HTML reports.

A file holds `scenarios:`, each with a `name`, an optional starting `clock` and `steps`. A step
is one mapping with one kind, an optional `name` and an optional `refused: CODE` (or
`{code, step}`): the step must then be refused with that catalogue code at its step, which is the
step as the service's regulation numbers it (a Shymkent request the gateway did not take is P5,
an Almaty one P7); `step` left out accepts the code's step in any shipped regulation's numbering.

- `register: PERSONA` or `{persona, login?, password?, key?}`: a new portal account for the
  persona's BIN or IIN (C1), proved like a login;
- `login: PERSONA` or `{persona, login?, password?, key?, challenge?}`: the portal login (P1,
  C1), the challenge signed with the AUTH key of `key` (default the persona); `challenge:
  reused` logs in and replays the same request, `unknown` signs a challenge never given,
  `stale` advances the clock past the challenge's five minutes first;
- `logout:`;
- `order: {service, variant?, form?, attach?: {document: pdf|jpeg|png|text|exe}}`: a draft and
  its attachments (P3); `attach: {document, content, name?, size?}` one more, `size` bytes long
  (a file over 10 MiB is refused);
- `sign: {persona?, detached?, json?, content?: document|other, tamper?, digest?}`: P4, the CMS
  POSTed (C2, P7); `tamper: signature|garbage|no-certs|certificate` breaks the signature value,
  sends bytes that are no CMS, leaves out the certificates, or breaks the CA's signature on the
  signer's certificate; `digest: sha1` (or sha384, sha512) signs with that digest;
  `cosigners: [persona, ...]` adds their signatures after the first (as `sign cms --add`),
  `timestamp: true` a token from the simulator's /tsp on each signer (CAdES-T), and
  `tamper: timestamp` a token the TSA gave for another signature;
- `order`, `attach`, `sign` and `logout` take `csrf: wrong|missing` to send another session's
  CSRF token or none; with nobody signed in they send none and the portal answers NOT_SIGNED_IN;
- `check: {persona?, detached?, data?, tamper?, digest?, cosigners?, timestamp?,
  require_timestamp?}`: "check a document" on a CMS over a short text (`data: false` leaves the
  text out; `require_timestamp: true` refuses a signer without a token); a verdict other than
  TOTAL_PASSED is the refusal, with the report's code;
- `result:`: P9, the applicant opens the signed result in the cabinet;
- `ncalayer: {persona, password?}`: the key set NCALayer signs with, as its key dialog chooses
  it; `ncalayer: {module, method, args?}` one command over the /ncalayer WebSocket, which must
  succeed (NCALayer's answers carry its own codes, not the catalogue's), or fail with the
  refusal the step expects when the answer names an egovsim code (`egovsim: TSA_UNAVAILABLE:
  ...`, a tsaProfile the TSA could not honour);
- `deliver:`: the gateway's deliveries until they settle;
- `staff: {login, action?, params?, password?}`: the provider's workstation on the request
  delivered; `counter: {action?, login?, params?, password?, package?}`: the State
  Corporation's counter (`open` makes the package, `show` reads it; the others act on the
  scenario's package or on `package: N`, and a `check` that ends in the Annex 3 refusal receipt
  is refused PACKAGE_INCOMPLETE when the step expects it). A login signs in at its first step
  and whenever a step gives `password` or no `action` (so `refused: STAFF_LOGIN_FAILED` or
  OPERATOR_LOGIN_FAILED reads the sign-in); `action: sign_out` ends the session, and the
  login's later steps carry its ended token until one signs in again;
- `clock: {set: TIME}` or `{advance: {minutes|hours|days|working_days: N}}` (a change the
  clock refuses is CLOCK_CHANGE_INVALID);
- `fault: {switch: NAME, on?, seconds?}` (a switch of /api/v1/faults: `gateway-down` or the
  PKI's; `pki: NAME` says the same) or `{gateway: SERVICE_ID, kind?, seconds?, on?}` (a
  receiver's);
- `soap: XML` or `{body, channel?, wss?, cms?, deliver?}`: a request to /shep/async (or
  /shep/sync), `${uuid}` a fresh message id. `wss: {signer, sign?, digest?, method?, c14n?,
  tamper?}` signs it with WS-Security by the `signer` persona's key: over `sign` (default
  `[body, timestamp]`), with `digest` sha256|sha384|sha512|sha1, `method` rsa-sha256|...|
  rsa-sha1|ecdsa-sha256|..., `c14n` exclusive|inclusive, and after signing `tamper`: `body`
  (changed), `signature` (a bit flipped), `token` (not a certificate), `wrap` (the signed Body
  moved into a header, a changed one in its place). `cms: PERSONA` or `{persona, content?}`
  puts a base64 CMS signed by the persona where the body says `${cms}`. `deliver: true`
  follows an accepted message through the gateway's deliveries: NOT_DELIVERED or
  DELIVERY_STOPPED is the refusal its last attempt names (COLLECTION_INVALID,
  RECEIVER_UNREACHABLE);
- `http: {path, method?, json?|body?|size?, headers?, csrf?}`: any request to the simulator,
  for the refusals no actor's step makes (`${application}`, `${package}` name the scenario's
  records);
- `expect: {application?, signature?, result?, timeline?, notifications?, package?, signers?,
  result_signers?}`; `signers` and `result_signers` list the personas who signed the request
  (or the result), in order, each passed.

Text may say `${persona-id.iin}` or `${persona-id.bin}`. Times (`clock`, `set`) are ISO 8601
or words relative to when the test PKI was issued (see `targets.resolve_time`), so the files
hold whatever day they run. Against `--base-url`, `--certs` must name the running simulator's
certs directory: the personas' keys there sign the logins and requests.
"""
