"""Built-in networks, built by code."""
