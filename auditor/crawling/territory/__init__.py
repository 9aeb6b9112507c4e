"""The territory: its communes (shipped registry) and who a publisher string designates."""
