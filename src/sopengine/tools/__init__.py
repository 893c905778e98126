"""Tools built on the engine: rule tests, coverage, diff, graph."""
