"""auditor: audit de conformité open data des communes (Métropole européenne de Lille).

Layers, from the bottom up. A module imports only from its own layer or the layers below it, and no two
modules import each other, even through others (``tests/test_layers.py`` reads this list and checks both;
the package itself, which holds only its version, is below them all). Names are relative to ``auditor``;
a package name covers its modules, and a module named on its own wins over its package.

1. vocabulary: model, normalize, i18n, legal_bases, shipped, writable, exit_codes, render.neutral
2. crawling: crawling, config
3. tabular: tabular
4. auditing: auditing, render.checkgroups
5. selfcheck: selfcheck
6. history: history
7. rendering: render
8. simulation: simulate
9. interfaces: interfaces, frames, __main__
"""

__version__ = "0.1.0"
