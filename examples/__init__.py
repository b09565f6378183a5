"""Examples that use egovsim from the outside, as integrators would."""
