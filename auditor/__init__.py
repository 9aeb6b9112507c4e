"""auditor: audit de conformité open data des communes (Métropole européenne de Lille)."""

__version__ = "0.1.0"
