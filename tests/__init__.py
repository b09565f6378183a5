"""egovsim's test suite."""
