"""The test PKI, shaped like the National Certification Authority's (SPEC §3).

Pure: no database and no HTTP. Time is always passed in (from the simulator's clock).
"""
