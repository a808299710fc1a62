"""Pipeline stages, one agent per module: pure stage logic at the top, a thin Faust shell below."""
