"""The simulated territory: a deterministic generator and local servers speaking the real
portal APIs (GeoNetwork + OGC API, Opendatasoft, data.gouv.fr, CKAN, DCAT)."""
