"""Cost-model tables as data (YAML/CSV), each file naming its sources."""
