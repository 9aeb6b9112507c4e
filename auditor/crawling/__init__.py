"""Crawling: from the territory's configuration to one normalised catalogue.

The sources (``sources/``, one module per portal software) collect through one HTTP client (``http``) with
its cache (``httpcache``) and its network safety (``netsafe``); the territory (``territory/``) says who the
bodies are and attributes each dataset to one; ``catalogue`` is the normalised catalogue the audit reads,
``classify`` what kind of data a dataset is, and ``crawl`` runs it all."""
