"""The trainer's console: guided tours stepped through in front of a room, "try it" runs of the
shipped scenarios against the running simulator, the reset to a clean demo, and what the
console shows of the fault switches.

Everything here acts on the simulator the way a user or a script would: tours and try-it runs
are scenario steps (`egovsim.scenarios`) sent over HTTP to the simulator's own address, so a
demo shows exactly what the public interfaces do.
"""
