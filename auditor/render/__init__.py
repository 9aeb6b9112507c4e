"""Reports rendered from the history store: one module per output format.

``data`` assembles the reports (territory, commune, gaps) as plain dicts; ``html``,
``markdown``, ``csv``, ``xlsx`` and ``json`` turn one into a document.
"""
