"""Licences as portals spell them, reduced to one canonical id.

Portals name the same licence in many ways: udata ids (``lov2``, ``fr-lo``, ``odc-odbl``,
``cc-zero``, ``other-closed``, ``notspecified``), CKAN ids (``etalab-2.0``, ``CC-BY-4.0``),
Opendatasoft labels (« Licence Ouverte v2.0 (Etalab) », « Open Database License (ODbL) »,
« CC BY-SA 4.0 »), GeoNetwork free text (« Licence ouverte Etalab 2.0 », « LO 2.0 »,
« ODbL 1.0 »), DCAT URIs (Etalab pages and PDFs, spdx.org, opendatacommons.org,
creativecommons.org, the EU licence vocabulary ``.../authority/licence/CC_BY_4_0``) and SPDX
ids. :func:`recognise_licence` reads a label and/or a URL, case, accents and punctuation
insensitive, and returns the :class:`Licence` they name — or ``None`` when it cannot tell:
the caller reports the text as unrecognised, nothing is guessed. A text that names two
different licences is not recognised either.

Canonical ids: ``lov2``, ``lov1``, ``lo`` (Licence Ouverte, version not said), ``odbl``,
``odc-by``, ``pddl``, ``cc-by``, ``cc-by-sa``, ``cc-by-nc``, ``cc-by-nd``, ``cc-by-nc-sa``,
``cc-by-nc-nd``, ``cc0``, ``cc`` (« Creative Commons » with no variant), ``ogl``,
``other-pd``, ``other-open`` (udata ``other-open`` and ``other-at``), ``other-closed``
(« tous droits réservés », « licence fermée », « soumise à autorisation », copyright,
CKAN ``other-nc``), ``notspecified``, and the software licences ``mit``, ``apache-2.0``,
``bsd``, ``cecill``, ``cecill-b``, ``cecill-c``, ``gpl``, ``lgpl``, ``agpl``, ``mpl``,
``eupl``, ``epl``.

What the law says about each licence is carried by the record: CRPA art. D323-2-1 I
(décret n° 2017-638) allows two licences for data without homologation, « la licence
ouverte de réutilisation d'informations publiques » (Licence Ouverte / Open Licence of
Etalab; version 2.0 since April 2017, version 1.0 is superseded but still the same licence
family) and the ODbL (``approved_for_data``); D323-2-1 II lists the software licences
(BSD, Apache, CeCILL-B, MIT; MPL, GNU GPL, CeCILL, EUPL, EPL) (``approved_for_software``).
The décret names the « GNU General Public License » only: LGPL and AGPL are not marked
approved here.

Access-constraint statements that GeoNetwork records put next to the licence (« Pas de
restriction d'accès public », « Aucun des articles de la loi ne peut être invoqué… ») are not
licences: :func:`is_access_statement` tells them apart so that a check can say « pas de
licence » rather than « licence non reconnue ».
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .text import fold


@dataclass(frozen=True)
class Licence:
    id: str  # canonical id: lov2, lov1, lo, odbl, cc-by, ..., mit, gpl, other-closed, notspecified
    name: str  # French display name
    kind: str  # data | software | other
    approved_for_data: bool = False  # CRPA D323-2-1 I
    approved_for_software: bool = False  # CRPA D323-2-1 II
    url: str | None = None  # the licence's reference page
    superseded: bool = False  # Licence Ouverte 1.0: replaced by 2.0 (décret 2017-638)


def _l(id_: str, name: str, kind: str = "data", data: bool = False, software: bool = False,
       url: str | None = None, superseded: bool = False) -> Licence:
    return Licence(id_, name, kind, data, software, url, superseded)


LICENCES: dict[str, Licence] = {lic.id: lic for lic in [
    _l("lov2", "Licence Ouverte / Open Licence version 2.0 (Etalab)", data=True,
       url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
    _l("lov1", "Licence Ouverte / Open Licence version 1.0 (Etalab)", data=True, superseded=True,
       url="https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf"),
    _l("lo", "Licence Ouverte (Etalab), version non précisée", data=True),
    _l("odbl", "Open Database License (ODbL)", data=True, url="https://opendatacommons.org/licenses/odbl/1-0/"),
    _l("odc-by", "Open Data Commons Attribution License (ODC-By)", url="https://opendatacommons.org/licenses/by/"),
    _l("pddl", "Open Data Commons Public Domain Dedication and License (PDDL)",
       url="https://opendatacommons.org/licenses/pddl/"),
    _l("cc-by", "Creative Commons Attribution (CC BY)", url="https://creativecommons.org/licenses/by/4.0/"),
    _l("cc-by-sa", "Creative Commons Attribution – Partage dans les mêmes conditions (CC BY-SA)",
       url="https://creativecommons.org/licenses/by-sa/4.0/"),
    _l("cc-by-nc", "Creative Commons Attribution – Pas d'utilisation commerciale (CC BY-NC)",
       url="https://creativecommons.org/licenses/by-nc/4.0/"),
    _l("cc-by-nd", "Creative Commons Attribution – Pas de modification (CC BY-ND)",
       url="https://creativecommons.org/licenses/by-nd/4.0/"),
    _l("cc-by-nc-sa", "Creative Commons Attribution – Pas d'utilisation commerciale – Partage dans les "
       "mêmes conditions (CC BY-NC-SA)", url="https://creativecommons.org/licenses/by-nc-sa/4.0/"),
    _l("cc-by-nc-nd", "Creative Commons Attribution – Pas d'utilisation commerciale – Pas de "
       "modification (CC BY-NC-ND)", url="https://creativecommons.org/licenses/by-nc-nd/4.0/"),
    _l("cc", "Creative Commons, variante non précisée"),
    _l("cc0", "Creative Commons Zero (CC0, dédicace au domaine public)",
       url="https://creativecommons.org/publicdomain/zero/1.0/"),
    _l("ogl", "Open Government Licence (Royaume-Uni)",
       url="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"),
    _l("other-pd", "Autre : domaine public", kind="other"),
    _l("other-open", "Autre licence ouverte", kind="other"),
    _l("other-closed", "Licence fermée (tous droits réservés ou réutilisation soumise à autorisation)",
       kind="other"),
    _l("notspecified", "Licence non précisée", kind="other"),
    # software (CRPA D323-2-1 II)
    _l("mit", "Licence MIT", "software", software=True, url="https://spdx.org/licenses/MIT.html"),
    _l("apache-2.0", "Licence Apache 2.0", "software", software=True,
       url="https://www.apache.org/licenses/LICENSE-2.0"),
    _l("bsd", "Licence BSD", "software", software=True, url="https://spdx.org/licenses/BSD-3-Clause.html"),
    _l("cecill-b", "CeCILL-B", "software", software=True,
       url="https://cecill.info/licences/Licence_CeCILL-B_V1-fr.html"),
    _l("cecill-c", "CeCILL-C", "software", url="https://cecill.info/licences/Licence_CeCILL-C_V1-fr.html"),
    _l("cecill", "CeCILL", "software", software=True, url="https://cecill.info/licences/Licence_CeCILL_V2.1-fr.html"),
    _l("gpl", "GNU General Public License (GPL)", "software", software=True,
       url="https://www.gnu.org/licenses/gpl-3.0.html"),
    _l("lgpl", "GNU Lesser General Public License (LGPL)", "software",
       url="https://www.gnu.org/licenses/lgpl-3.0.html"),
    _l("agpl", "GNU Affero General Public License (AGPL)", "software",
       url="https://www.gnu.org/licenses/agpl-3.0.html"),
    _l("mpl", "Mozilla Public License (MPL)", "software", software=True, url="https://www.mozilla.org/MPL/2.0/"),
    _l("eupl", "Licence publique de l'Union européenne (EUPL)", "software", software=True,
       url="https://joinup.ec.europa.eu/collection/eupl"),
    _l("epl", "Eclipse Public License (EPL)", "software", software=True, url="https://www.eclipse.org/legal/epl-2.0/"),
]}

# Whole labels and ids (folded) that the patterns below would not read, or would read wrong.
_EXACT = {
    "lov2": "lov2", "lo": "lo", "lo ol": "lo", "fr lo": "lov1", "lov1": "lov1", "lo1": "lov1",
    "etalab": "lo", "license etalab": "lo", "licence etalab": "lo",
    "odc odbl": "odbl", "odc by": "odc-by", "odc pddl": "pddl", "cc zero": "cc0", "cc nc": "cc-by-nc",
    "other pd": "other-pd", "other public domain": "other-pd",
    "other open": "other-open", "other at": "other-open", "other attribution": "other-open",
    "other closed": "other-closed", "other not open": "other-closed", "other nc": "other-closed",
    "other non commercial": "other-closed",
    "notspecified": "notspecified", "not specified": "notspecified", "license not specified": "notspecified",
    "licence not specified": "notspecified", "licence non specifiee": "notspecified",
    "licence non precisee": "notspecified", "licence non renseignee": "notspecified",
    "non specifiee": "notspecified", "non precisee": "notspecified", "non renseigne": "notspecified",
    "non renseignee": "notspecified", "inconnue": "notspecified", "licence inconnue": "notspecified",
    "none": "notspecified", "null": "notspecified", "n a": "notspecified", "aucune": "notspecified",
    "aucune licence": "notspecified", "sans licence": "notspecified",
    "mit": "mit", "mit license": "mit", "licence mit": "mit", "the mit license": "mit", "expat": "mit",
}

# Family patterns, tried on the folded text (URLs removed). Order matters only within a family.
_CC = re.compile(r"\bcc ?by\b|\bcreative ?commons?\b|\bcc0\b|\bcc ?zero\b|\bcczero\b")
_LO = re.compile(r"\blicen[cs]e ouverte\b|\bopen licen[cs]e\b|\betalab\b|\blo ?ol\b|\bfr lo\b"
                 r"|^lo(?: v| version)? ?[12](?: 0)?\b|\blov[12]\b")
_FAMILIES: list[tuple[str, re.Pattern]] = [
    ("odbl", re.compile(r"\bodbl\b|\bopen ?database licen[cs]e\b|\bodc odbl\b")),
    ("odc-by", re.compile(r"\bodc ?by\b|\bopen data commons attribution\b")),
    ("pddl", re.compile(r"\bpddl\b|\bpublic domain dedication and licen[cs]e\b")),
    ("ogl", re.compile(r"\bopen government licen[cs]e\b|\bogl\b")),
    ("cecill-b", re.compile(r"\bcecill ?b\b")),
    ("cecill-c", re.compile(r"\bcecill ?c\b")),
    ("cecill", re.compile(r"\bcecill\b(?! ?[bc]\b)")),
    ("agpl", re.compile(r"\bagpl|\baffero\b")),
    ("lgpl", re.compile(r"\blgpl|\blesser general public\b|\blibrary general public\b")),
    ("gpl", re.compile(r"\bgpl|\bgnu general public\b|(?<!lesser )(?<!affero )\bgeneral public licen[cs]e\b"
                       r"|\blicence publique generale\b")),
    ("mpl", re.compile(r"\bmpl\b|\bmozilla public\b")),
    ("eupl", re.compile(r"\beupl\b|\beuropean union public licen[cs]e\b|\blicence publique de l union europeenne\b")),
    ("epl", re.compile(r"\bepl\b|\beclipse public licen[cs]e\b")),
    ("apache-2.0", re.compile(r"\bapache\b")),
    ("bsd", re.compile(r"\b0?bsd\b|\bberkeley software distribution\b")),
    ("mit", re.compile(r"\bmit licen[cs]e\b|\blicen[cs]e mit\b|\bmassachusetts institute of technology\b"
                       r"|^mit(?: 0)?$")),
]
# Generic statements, only read when no named licence is found.
_CLOSED = re.compile(
    r"tous droits reserves|all rights reserved|\bcopyright\b|licen[cs]e fermee|\bproprietaire\b"
    r"|\bproprietary\b|soumise? a (?:une )?autorisation|autorisation prealable|reproduction interdite"
    r"|usage interne|diffusion restreinte|non ouverte?\b|not open\b|\bother closed\b")
_PUBLIC_DOMAIN = re.compile(r"\bdomaine public\b|\bpublic domain\b")
_NOT_SPECIFIED = re.compile(r"^licen[cs]e (?:non |not )?(?:specifi|precis|renseign)")
_ACCESS = re.compile(
    r"restrictions? d acces|\bacces public\b|pas de restriction|aucune restriction|no restrictions?\b"
    r"|no limitations?\b|pas de limitation|aucune limitation|autres? restrictions?\b|other restrictions?\b"
    r"|aucun des articles de la loi|pas de condition|aucune condition|\binspire\b|conditions inconnues"
    r"|conditions unknown|\bl 124\b|\bl124\b")

_V2 = re.compile(r"(?:^|\s)(?:v|version )?2(?: 0)?(?=\s|$)|\bv2\b|\b2017\b")
_V1 = re.compile(r"(?:^|\s)(?:v|version )?1(?: 0)?(?=\s|$)|\bv1\b|\b2011\b")
_URL_IN_TEXT = re.compile(r"https?://\S+", re.I)
_EU_AUTHORITY = "publications.europa.eu/resource/authority/licence/"
_EU_CODES = [  # prefix of the EU licence vocabulary code -> canonical id (longest prefixes first)
    ("CC_BYNCSA", "cc-by-nc-sa"), ("CC_BYNCND", "cc-by-nc-nd"), ("CC_BYNC", "cc-by-nc"), ("CC_BYND", "cc-by-nd"),
    ("CC_BYSA", "cc-by-sa"), ("CC_BY", "cc-by"), ("CC0", "cc0"), ("CC_PDM", "other-pd"), ("ODC_BL", "odbl"),
    ("ODC_BY", "odc-by"), ("OD_BY", "odc-by"), ("ODC_PDDL", "pddl"), ("OGL", "ogl"), ("APACHE", "apache-2.0"),
    ("BSD", "bsd"), ("0BSD", "bsd"), ("MIT", "mit"), ("MPL", "mpl"), ("AGPL", "agpl"), ("LGPL", "lgpl"),
    ("GPL", "gpl"), ("EUPL", "eupl"), ("EPL", "epl"), ("CECILL_B", "cecill-b"), ("CECILL_C", "cecill-c"),
    ("CECILL", "cecill"),
]


def get(licence_id: str) -> Licence:
    """The :class:`Licence` of a canonical id (``KeyError`` if unknown)."""
    return LICENCES[licence_id]


def recognise_licence(label: str | None, url: str | None = None) -> Licence | None:
    """The licence named by ``label`` (an id, a label, a free text or a URL) and/or ``url``.

    The label wins when both name a licence, except that a URL can give the version of an
    unversioned Licence Ouverte, and a licence URL overrides a « not specified » label.
    ``None`` when neither can be read (unknown text, access statement, two licences).
    """
    from_label = _from_label(label) if isinstance(label, str) else None
    from_url = _from_url(url) if isinstance(url, str) else None
    found = from_label
    if from_url and (found is None or found == "notspecified" or (found == "lo" and from_url in ("lov1", "lov2"))):
        found = from_url
    if found is None:
        return None
    return LICENCES[found]


def read_licence(label: object, url: object) -> tuple[str, str, Licence | None]:
    """A record's licence as the checks use it: the label and the URL as published
    (stripped, ``""`` when absent or not text) and the licence they name, if any."""
    label = label.strip() if isinstance(label, str) else ""
    url = url.strip() if isinstance(url, str) else ""
    return label, url, recognise_licence(label or None, url or None) if (label or url) else None


def is_access_statement(text: str | None) -> bool:
    """Whether ``text`` is an access-constraint statement (INSPIRE « pas de restriction
    d'accès public »…) rather than a licence. Only meaningful when no licence was recognised."""
    return bool(isinstance(text, str) and _ACCESS.search(fold(text)))


# -- label --------------------------------------------------------------------------------------
def _from_label(label: str) -> str | None:
    text = label.strip()
    if not text:
        return None
    if text in ("[]", "{}", "-", "?"):
        return "notspecified"
    urls = _URL_IN_TEXT.findall(text)
    words = _URL_IN_TEXT.sub(" ", text)
    from_urls = {u for u in (_from_url(x.rstrip(".,;)")) for x in urls) if u}
    from_words = _from_words(words)
    if from_words is None:
        return from_urls.pop() if len(from_urls) == 1 else None
    if from_words == "lo" and len(from_urls) == 1 and from_urls <= {"lov1", "lov2"}:
        return from_urls.pop()
    return from_words


def _from_words(text: str) -> str | None:
    key = fold(text)
    if not key:
        return None
    if "compatible" in key:  # « Licence Ouverte (compatible CC-BY) »: the first licence is the one
        key = key.split("compatible", 1)[0].strip() or key
    if key in _EXACT:
        return _EXACT[key]
    if key.replace(" ", "") in _EXACT:
        return _EXACT[key.replace(" ", "")]
    found: set[str] = set()
    if _LO.search(key):
        found.add(_lo_version(key))
    cc = _creative_commons(key) if _CC.search(key) else None
    if cc:
        found.add(cc)
    for licence_id, pattern in _FAMILIES:
        if pattern.search(key):
            found.add(licence_id)
    if len(found) == 1:
        return found.pop()
    if found:
        return None  # two licences named: the caller reports it, we do not choose
    if _NOT_SPECIFIED.search(key):
        return "notspecified"
    if _CLOSED.search(key):
        return "other-closed"
    if _PUBLIC_DOMAIN.search(key):
        return "other-pd"
    return None


def _lo_version(key: str) -> str:
    v2, v1 = bool(_V2.search(key)), bool(_V1.search(key))
    return "lov2" if v2 and not v1 else "lov1" if v1 and not v2 else "lo"


def _creative_commons(key: str) -> str | None:
    """Canonical id of a Creative Commons licence in folded text (``cc by nc sa 4 0``,
    ``creative commons attribution share alike``, ``cc0``)."""
    if re.search(r"\bcc0\b|\bcc ?zero\b|\bcczero\b|\bzero\b|\bdomaine public\b|\bpublic domain\b", key):
        return "cc0"
    compact = re.sub(r"\bcc\b", " ", key)
    nc = bool(re.search(r"\bnc\b|non ?commercial|pas d utilisation commerciale|\bbync", compact))
    nd = bool(re.search(r"\bnd\b|no ?deriv|pas de modification|\bbynd|ncnd\b", compact))
    sa = bool(re.search(r"\bsa\b|share ?alike|partage dans les memes conditions|\bbysa|ncsa\b", compact))
    if nd and sa:
        return None
    if not (nc or nd or sa or re.search(r"\bby\b|attribution|namensnennung|naamsvermelding", compact)):
        return "cc"  # « Creative Commons-CC » (SCDL catalogue): which one is not said
    suffix = ("-nc" if nc else "") + ("-nd" if nd else "") + ("-sa" if sa else "")
    return "cc-by" + suffix


# -- URL ----------------------------------------------------------------------------------------
def _from_url(url: str) -> str | None:
    text = url.strip()
    if not text.lower().startswith(("http://", "https://")):
        return None
    if _EU_AUTHORITY in text.lower():
        code = text.rstrip("/").rsplit("/", 1)[-1].upper()
        return next((lid for prefix, lid in _EU_CODES if code.startswith(prefix)), None)
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.lower().rstrip("/")
    if host.endswith("etalab.gouv.fr") or host == "data.gouv.fr":
        return _etalab_url(host, path)
    if host == "github.com" and path.startswith("/etalab/licence-ouverte"):
        return "lov2"
    if host == "creativecommons.org":
        if path.startswith("/publicdomain/zero"):
            return "cc0"
        if path.startswith("/publicdomain/mark"):
            return "other-pd"
        m = re.match(r"/licenses/([a-z-]+)", path)
        return _creative_commons("cc " + m[1].replace("-", " ")) if m else None
    if host == "opendatacommons.org":
        m = re.match(r"/licenses/([a-z-]+)", path)
        return {"odbl": "odbl", "by": "odc-by", "pddl": "pddl"}.get(m[1]) if m else None
    if host in ("opendefinition.org", "spdx.org", "opensource.org", "choosealicense.com"):
        m = re.match(r"/licen[cs]es/([^/]+)", path)
        return _from_words(re.sub(r"\.(html?|json|txt|php)$", "", m[1])) if m else None
    if host == "nationalarchives.gov.uk" and "open-government-licence" in path:
        return "ogl"
    if host == "gnu.org" and path.startswith(("/licenses/", "/copyleft/")):
        return _from_words(path.rsplit("/", 1)[-1].split(".")[0].replace("-", " "))
    if host == "cecill.info":
        m = re.search(r"cecill(-[bc])?", path)
        return f"cecill{m[1] or ''}" if m else None
    if host in ("mozilla.org",) and "/mpl" in path:
        return "mpl"
    if host == "apache.org" and path.startswith("/licenses"):
        return "apache-2.0"
    if host == "eclipse.org" and "/epl" in path:
        return "epl"
    if "europa.eu" in host and "eupl" in path:
        return "eupl"
    return None


def _etalab_url(host: str, path: str) -> str | None:
    """Etalab and data.gouv.fr pages of the Licence Ouverte. Version 2.0: Etalab's current
    page, PDFs uploaded from 2017 on, anything named ``v2``. Version 1.0: the 2011 pages
    (etalab.gouv.fr/pages/…, data.gouv.fr/Licence-Ouverte-Open-Licence) and the 2014 PDFs."""
    if "licence-ouverte" not in path and "licence_ouverte" not in path and "open_licence" not in path \
            and "open-licence" not in path:
        return None
    year = re.search(r"/uploads/(\d{4})/", path)
    if re.search(r"v-?2", path) or (year and int(year[1]) >= 2017):
        return "lov2"
    if year or "/pages/" in path or host == "data.gouv.fr" or re.search(r"v-?1", path):
        return "lov1"
    return "lov2" if path == "/licence-ouverte-open-licence" else None
