"""``auditor serve``: the self-check page, its JSON API, and the coordinators' dashboards."""
