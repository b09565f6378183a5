"""The only package that serves HTTP and renders pages: `app` assembles its parts, grouped by who
they serve (`portal`, `offices`, `gateway`, `trainer`, `pki`), over what they share (`common`),
and `serving` runs it."""
