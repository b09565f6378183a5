"""Scenario files: YAML sequences of actors' actions, clock moves and expected outcomes, run by
`egovsim scenario run FILES... [--base-url URL]` (SPEC §7) with JUnit XML and HTML reports.

A file holds `scenarios:`, each with a `name`, an optional starting `clock` and `steps`. A step
is one mapping with one kind, an optional `name` and an optional `refused: CODE` (or
`{code, step}`): the step must then be refused with that catalogue code at its step.

- `login: PERSONA` or `{persona, login?, password?, key?}`: the portal login (P1, C1), the
  challenge signed with the AUTH key of `key` (default the persona);
- `logout:`;
- `order: {service, variant?, form?, attach?: {document: pdf|jpeg|png|text|exe}}`: a draft and
  its attachments (P3); `attach: {document, content, name?}` one more;
- `sign: {persona?, detached?, json?, content?: document|other}`: P4, the CMS POSTed (C2, P7);
- `deliver:`: the gateway's deliveries until they settle;
- `staff: {login, action, params?}`: the provider's workstation on the request delivered;
- `counter: {action, login?, params?}`: the State Corporation (`open` makes the package);
- `clock: {set: TIME}` or `{advance: {minutes|hours|days|working_days: N}}`;
- `fault: {pki: NAME, on?, seconds?}` or `{gateway: SERVICE_ID, kind?, seconds?, on?}`;
- `soap: XML`: a raw request to /shep/async (`${uuid}` makes a fresh message id);
- `http: {path, method?, json?|body?|size?, headers?, csrf?}`: any request to the simulator,
  for the refusals no actor's step makes (`${application}`, `${package}` name the scenario's
  records);
- `expect: {application?, signature?, result?, timeline?, notifications?, package?}`.

Text may say `${persona-id.iin}` or `${persona-id.bin}`. Times (`clock`, `set`) are ISO 8601
or words relative to when the test PKI was issued (see `targets.resolve_time`), so the files
hold whatever day they run. Against `--base-url`, `--certs` must name the running simulator's
certs directory: the personas' keys there sign the logins and requests.
"""
