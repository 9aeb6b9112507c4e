"""The interfaces: the command line (``cli``, with ``cli_selfcheck`` for check, ci and serve, and
``cli_language`` for its French and English help) and the web service (``server/``)."""
