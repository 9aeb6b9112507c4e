"""Machine-readable outputs for continuous integration: SARIF 2.1.0, JUnit XML, GitHub
workflow annotations, and baselines that accept today's findings and fail only on new ones.
All of them render the same :class:`~auditor.model.Finding` objects."""
