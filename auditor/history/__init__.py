"""The store and its history: every audit kept in SQLite (``store``), read back as runs and evolutions
(``history``), in the folder a user's audits go to by default (``default_store``)."""
