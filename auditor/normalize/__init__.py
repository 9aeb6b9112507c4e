"""Normalisation of what portals spell in many ways: names, dates, formats, frequencies."""
