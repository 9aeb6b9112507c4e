"""Metadata quality scores computed the way the two national and European portals do.

- :mod:`auditor.auditing.scores.datagouv`: data.gouv.fr's nine-criterion ``quality`` block (udata),
  reproduced exactly for udata records and estimated for the records of other portals;
- :mod:`auditor.auditing.scores.mqa`: data.europa.eu's Metadata Quality Assessment (405 points in
  five dimensions), per dataset and per commune.

Both are pure functions of the normalised records (and, for data.gouv.fr, of the audit's
``as_of``): no network, no wall clock.
"""
