"""The regional gateway's workstation (АРМ РШЭП): the provider's staff run the route."""
