"""Self-check and CI: a producer's files, descriptions, archives and repositories checked before publishing.

``selfcheck`` checks a file, a dataset description or a folder (on the audit's file checker,
:mod:`auditor.auditing.filecheck`); ``describe`` reads a dataset description and puts it through the dataset
rules; ``archive`` expands a ZIP safely; ``ci/`` is ``auditor ci``: declarations, baseline, verdict and the
reports a CI reads (SARIF, JUnit, GitHub annotations)."""
