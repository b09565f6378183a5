"""egovsim's benchmarks (`make bench`)."""
