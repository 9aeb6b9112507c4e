"""Who a publisher string designates: a commune, the metropolis, another body, or nobody.

Portals spell producers freely ("Ville d'ARMENTIERES", "commune Ennetières en Weppes",
"Mairie de Lomme", "MEL"). Resolution, strongest evidence first:

1. a SIREN (or SIRET) declared by the portal organisation, or written in the string;
2. a configured alias (``[publishers.aliases]`` in the territory file);
3. the string, once folded and stripped of "Ville de", "Commune de", "Mairie de"..., equal
   to a commune's name, an associated commune's name (Lomme, Hellemmes → Lille) or a name of
   the metropolis;
4. exactly one commune name contained in the string as whole words, the longest winning
   ("Marquette-lez-Lille" over "Lille"), when the string says it is a municipality ("Ville
   de Lille - Direction de la communication"; not "Croix-Rouge française"); two different
   communes → unresolved;
5. no publisher at all on a portal that belongs to one body: that body (``portal-owner``).

Anything else stays ``unresolved`` and is reported: the resolver never guesses.
"""
from __future__ import annotations

import re

from ...model import Publisher
from ...normalize.text import fold
from .registry import MEL_CODE, Registry

_PREFIXES = [
    "la ville de", "ville de", "ville d", "ville", "la commune de", "commune de", "commune d",
    "commune", "mairie de", "mairie d", "mairie", "city of", "municipalite de",
]
_METROPOLE_NAMES = [
    "mel", "metropole europeenne de lille", "metropole europeenne de lille mel",
    "mel metropole europeenne de lille", "lille metropole", "lille metropole communaute urbaine",
    "lmcu", "metropole de lille", "european metropolis of lille",
]
# containment is trusted only when the string says it designates a municipality
# ("Croix-Rouge française" must not become the commune of Croix)
_MARKERS = re.compile(r"\b(ville|commune|mairie|municipal\w*|hotel de ville|ccas)\b")
_DIGITS = re.compile(r"(?<!\d)\d(?:[ .]?\d){8}(?:(?:[ .]?\d){5})?(?![ .]?\d)")


class PublisherResolver:
    def __init__(self, registry: Registry, aliases: dict[str, str] | None = None,
                 others: list[str] | None = None):
        self.registry = registry
        self.aliases = {fold(k): v for k, v in (aliases or {}).items()}
        self.others = {fold(o): o for o in (others or [])}
        self.names: dict[str, tuple[str, str]] = {}  # folded name -> (insee, method)
        for c in registry.communes.values():
            self.names[fold(c.name)] = (c.insee, "name")
            for _, assoc in c.associated:
                self.names.setdefault(fold(assoc), (c.insee, "associated"))
                # "Hellemmes-Lille" is usually written "Hellemmes"
                short = fold(assoc).replace(" " + fold(c.name), "")
                self.names.setdefault(short, (c.insee, "associated"))
        for n in _METROPOLE_NAMES + [fold(registry.metropole.name)]:
            self.names[n] = (MEL_CODE, "name")
        # longest first, so that containment prefers "marquette lez lille" to "lille"
        self._by_length = sorted(self.names, key=len, reverse=True)

    def resolve(self, raw: str | None, *, siren: str | None = None,
                portal_owner: str | None = None) -> Publisher:
        if siren:
            p = self._by_siren(raw, siren, "siren")
            if p:
                return p
        if not raw or not raw.strip():
            if portal_owner:
                return self._publisher(raw, portal_owner, "portal-owner")
            return Publisher(raw=raw)
        folded = fold(raw)
        if folded in self.aliases:
            target = self.aliases[folded]
            if target.startswith("other:") or self.registry.get(target) is None:
                return Publisher(raw=raw, kind="other", name=target.removeprefix("other:"), method="alias")
            return self._publisher(raw, target, "alias")
        if folded in self.others:
            return Publisher(raw=raw, kind="other", name=self.others[folded], method="alias")
        m = _DIGITS.search(raw)
        if m:
            p = self._by_siren(raw, re.sub(r"[ .]", "", m.group(0)), "siren")
            if p:
                return p
        core = _strip_prefix(folded)
        for candidate in (folded, core):
            if candidate in self.names:
                code, method = self.names[candidate]
                return self._publisher(raw, code, method)
        found = self._contained(core) if _MARKERS.search(folded) else None
        if found:
            return self._publisher(raw, found, "name-contained")
        return Publisher(raw=raw)

    # -- helpers ----------------------------------------------------------------------------
    def _by_siren(self, raw, siren, method) -> Publisher | None:
        c = self.registry.by_siren.get(siren[:9])
        if c is None:
            return None
        return self._publisher(raw, MEL_CODE if c.kind == "metropole" else c.insee, method)

    def _publisher(self, raw, code, method) -> Publisher:
        c = self.registry.get(code)
        if c is None:
            return Publisher(raw=raw)
        if c.kind == "metropole":
            return Publisher(raw=raw, kind="metropole", insee=None, siren=c.siren, name=c.name, method=method)
        return Publisher(raw=raw, kind="commune", insee=c.insee, siren=c.siren, name=c.name, method=method)

    def _contained(self, text: str) -> str | None:
        padded = f" {text} "
        hits: list[tuple[int, int, str]] = []  # (start, end, code)
        for name in self._by_length:
            start = padded.find(f" {name} ")
            while start != -1:
                end = start + len(name) + 1
                if not any(s < end and start < e for s, e, _ in hits):  # not inside a longer hit
                    hits.append((start, end, self.names[name][0]))
                start = padded.find(f" {name} ", start + 1)
        codes = {code for _, _, code in hits}
        return codes.pop() if len(codes) == 1 else None


def _strip_prefix(folded: str) -> str:
    for word in ("ville", "commune", "mairie"):  # "Mairie du Coudray" is Le Coudray
        for contracted, article in (("du", "le"), ("des", "les")):
            if folded.startswith(f"{word} {contracted} "):
                return article + folded[len(word) + len(contracted) + 1:]
    for p in _PREFIXES:
        if folded.startswith(p + " "):
            return folded[len(p) + 1:]
    return folded
