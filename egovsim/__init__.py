"""egovsim: a simulator of Kazakhstan's e-government portal with real signature checks."""

__version__ = "0.1.0"
