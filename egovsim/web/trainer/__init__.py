"""The trainer's tools on the web: the console and its tours, the clock, the fault switches, the
refusal catalogue with its runs, the magic inputs and the operator's sign-in page."""
