"""Licence recognition: real-world spellings, simulated portals' spellings, real samples."""
from __future__ import annotations

import json
import re

import pytest

from auditor.normalize.licences import LICENCES, get, is_access_statement, recognise_licence
from auditor.simulate.portals import ckan, dcat, geonetwork, opendatasoft, udata
from tests.helpers import PORTALS

# (label, url, expected canonical id) — as portals really write them
SPELLINGS = [
    # udata ids and titles (data.gouv.fr)
    ("lov2", None, "lov2"),
    ("fr-lo", None, "lov1"),
    ("odc-odbl", None, "odbl"),
    ("odc-by", None, "odc-by"),
    ("odc-pddl", None, "pddl"),
    ("cc-by", None, "cc-by"),
    ("cc-by-sa", None, "cc-by-sa"),
    ("cc-zero", None, "cc0"),
    ("other-pd", None, "other-pd"),
    ("other-open", None, "other-open"),
    ("other-at", None, "other-open"),
    ("other-closed", None, "other-closed"),
    ("notspecified", None, "notspecified"),
    ("License Not Specified", None, "notspecified"),
    ("Licence Ouverte / Open Licence version 2.0", None, "lov2"),
    ("Licence Ouverte / Open Licence", None, "lo"),
    ("Open Data Commons Open Database License (ODbL)", None, "odbl"),
    ("Open Data Commons Attribution License", None, "odc-by"),
    ("Open Data Commons Public Domain Dedication and Licence (PDDL)", None, "pddl"),
    ("Creative Commons Attribution Share-Alike", None, "cc-by-sa"),
    ("Creative Commons CCZero", None, "cc0"),
    ("Other (Public Domain)", None, "other-pd"),
    ("Other (Attribution)", None, "other-open"),
    ("License Etalab v2.0", None, "lov2"),
    ("LO/OL", None, "lo"),
    # CKAN ids and titles
    ("etalab-2.0", None, "lov2"),
    ("CC-BY-4.0", None, "cc-by"),
    ("CC-BY-SA-4.0", None, "cc-by-sa"),
    ("CC-BY-NC-4.0", None, "cc-by-nc"),
    ("cc-nc", None, "cc-by-nc"),
    ("Creative Commons Non-Commercial (Any)", None, "cc-by-nc"),
    ("Other (Not Open)", None, "other-closed"),
    ("Other (Non-Commercial)", None, "other-closed"),
    ("Open Data Commons Open Database License 1.0", None, "odbl"),
    # Opendatasoft labels
    ("Licence Ouverte v2.0 (Etalab)", None, "lov2"),
    ("Licence Ouverte (Etalab)", None, "lo"),
    ("Licence ouverte / Open Licence", None, "lo"),
    ("Open Database License (ODbL)", None, "odbl"),
    ("ODbL", None, "odbl"),
    ("CC BY 4.0", None, "cc-by"),
    ("CC BY-SA 4.0", None, "cc-by-sa"),
    ("CC BY-NC 4.0", None, "cc-by-nc"),
    ("CC BY-ND 4.0", None, "cc-by-nd"),
    ("CC BY-NC-SA 4.0", None, "cc-by-nc-sa"),
    ("CC BY-NC-ND 4.0", None, "cc-by-nc-nd"),
    ("Creative Commons Attribution 4.0 International", None, "cc-by"),
    ("Creative Commons Attribution – Pas d'Utilisation Commerciale – Partage dans les Mêmes Conditions 4.0 "
     "International", None, "cc-by-nc-sa"),
    ("Open Government Licence v3.0", None, "ogl"),
    ("Licence fermée", None, "other-closed"),
    # GeoNetwork free texts
    ("ODbL 1.0", None, "odbl"),
    ("Licence ouverte Etalab 2.0", None, "lov2"),
    ("Licence Ouverte version 2.0", None, "lov2"),
    ("LO 2.0", None, "lov2"),
    ("licence ouverte v2", None, "lov2"),
    ("LICENCE OUVERTE ETALAB", None, "lo"),
    ("Licence Ouverte 1.0 http://www.data.gouv.fr/Licence-Ouverte-Open-Licence.", None, "lov1"),
    ("Licence Ouverte / Open Licence Version 2.0 "
     "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf", None, "lov2"),
    ("Creative Commons Attribution 4.0 (CC BY 4.0)", None, "cc-by"),
    ("Réutilisation soumise à autorisation préalable", None, "other-closed"),
    ("Tous droits réservés", None, "other-closed"),
    ("© Ville de Lille – tous droits réservés", None, "other-closed"),
    ("Copyright Opendatasoft", None, "other-closed"),
    ("Domaine public", None, "other-pd"),
    ("Creative Commons-CC", None, "cc"),  # SCDL catalogue LICENCE enum
    ("Open Database License-ODBL", None, "odbl"),  # SCDL catalogue LICENCE enum
    ("Licence Ouverte-LO", None, "lo"),  # SCDL catalogue LICENCE enum
    ("Licence Ouverte v2.0 (compatible CC-BY 4.0)", None, "lov2"),
    ("[]", None, "notspecified"),  # DKAN « licence » extra
    # DCAT URIs and SPDX ids
    ("https://www.etalab.gouv.fr/licence-ouverte-open-licence/", None, "lov2"),
    (None, "https://www.etalab.gouv.fr/licence-ouverte-open-licence", "lov2"),
    (None, "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf", "lov2"),
    (None, "https://www.etalab.gouv.fr/wp-content/uploads/2018/11/open-licence.pdf", "lov2"),
    (None, "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf", "lov1"),
    (None, "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Open_Licence.pdf", "lov1"),
    ("http://www.etalab.gouv.fr/pages/Licence_ouverte_Open_licence-5899923.html", None, "lov1"),
    (None, "https://github.com/etalab/Licence-Ouverte/blob/master/LO.md", "lov2"),
    (None, "https://spdx.org/licenses/etalab-2.0", "lov2"),
    (None, "https://spdx.org/licenses/etalab-2.0.html", "lov2"),
    (None, "http://opendatacommons.org/licenses/odbl/", "odbl"),
    (None, "http://opendatacommons.org/licenses/odbl/1-0/", "odbl"),
    (None, "http://opendatacommons.org/licenses/odbl/summary/", "odbl"),
    (None, "https://opendatacommons.org/licenses/by/summary/", "odc-by"),
    (None, "http://www.opendefinition.org/licenses/odc-odbl", "odbl"),
    (None, "http://www.opendefinition.org/licenses/cc-by", "cc-by"),
    (None, "https://creativecommons.org/licenses/by/4.0/", "cc-by"),
    (None, "https://creativecommons.org/licenses/by-sa/3.0/fr/", "cc-by-sa"),
    (None, "https://creativecommons.org/licenses/by-nc/4.0/deed.fr", "cc-by-nc"),
    (None, "https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode", "cc-by-nc-nd"),
    (None, "https://creativecommons.org/publicdomain/zero/1.0/", "cc0"),
    (None, "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", "cc-by"),
    (None, "http://publications.europa.eu/resource/authority/licence/CC_BYSA_4_0", "cc-by-sa"),
    (None, "http://publications.europa.eu/resource/authority/licence/CC_BYNC_4_0", "cc-by-nc"),
    (None, "http://publications.europa.eu/resource/authority/licence/CC0", "cc0"),
    (None, "http://publications.europa.eu/resource/authority/licence/ODC_BL", "odbl"),
    (None, "http://publications.europa.eu/resource/authority/licence/ODC_BY", "odc-by"),
    (None, "http://publications.europa.eu/resource/authority/licence/OD_BY", "odc-by"),
    (None, "http://publications.europa.eu/resource/authority/licence/EUPL_1_2", "eupl"),
    (None, "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/", "ogl"),
    ("CC0-1.0", None, "cc0"),
    ("ODbL-1.0", None, "odbl"),
    ("ODC-By-1.0", None, "odc-by"),
    ("PDDL-1.0", None, "pddl"),
    # software licences (SPDX ids and names)
    ("MIT", None, "mit"),
    ("Licence MIT", None, "mit"),
    ("Apache-2.0", None, "apache-2.0"),
    ("Apache License 2.0", None, "apache-2.0"),
    ("BSD-3-Clause", None, "bsd"),
    ("CeCILL-B", None, "cecill-b"),
    ("CeCILL-C", None, "cecill-c"),
    ("CECILL-2.1", None, "cecill"),
    ("GPL-3.0-or-later", None, "gpl"),
    ("GNU General Public License v3.0", None, "gpl"),
    ("LGPL-3.0-only", None, "lgpl"),
    ("GNU Lesser General Public License v3", None, "lgpl"),
    ("AGPL-3.0", None, "agpl"),
    ("MPL-2.0", None, "mpl"),
    ("EUPL-1.2", None, "eupl"),
    ("EPL-2.0", None, "epl"),
]


@pytest.mark.parametrize("label,url,expected", SPELLINGS)
def test_real_world_spellings(label, url, expected):
    lic = recognise_licence(label, url)
    assert lic is not None and lic.id == expected


def test_table_is_large_and_every_id_is_described():
    assert len(SPELLINGS) >= 60
    assert {e for _, _, e in SPELLINGS} <= set(LICENCES)
    for lic in LICENCES.values():
        assert lic.name and lic.kind in ("data", "software", "other")


@pytest.mark.parametrize("text", [
    "Pas de restriction d'accès public",
    "Pas de restriction d'accès public selon INSPIRE",
    "Aucun des articles de la loi ne peut être invoqué pour justifier d'une restriction d'accès public.",
    "Autres restrictions",
    "No limitations to public access",
])
def test_access_statements_are_not_licences(text):
    assert recognise_licence(text) is None
    assert is_access_statement(text)


@pytest.mark.parametrize("label,url", [
    (None, None), ("", None), ("   ", None), ("Usage libre sous réserve des mentions obligatoires", None),
    ("Licence de la ville", None), ("ODbL ou Licence Ouverte, au choix", None),  # two licences: no choice made
    ("CC BY-ND-SA", None),  # impossible combination
    (None, "https://example.org/licence.html"), (None, "https://www.data.gouv.fr/fr/licences"),
    (None, "pas une adresse"),
])
def test_unknown_text_is_not_guessed(label, url):
    assert recognise_licence(label, url) is None
    assert not is_access_statement("Licence de la ville")


def test_label_and_url_combined():
    # the URL gives the version of an unversioned Licence Ouverte
    v1 = "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf"
    v2 = "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf"
    assert recognise_licence("Licence Ouverte (Etalab)", v1).id == "lov1"
    assert recognise_licence("Licence Ouverte (Etalab)", v2).id == "lov2"
    assert recognise_licence("Licence Ouverte (Etalab)", None).id == "lo"
    # an unrecognised label with a licence URL, and a « not specified » label with one
    assert recognise_licence("Licence de la métropole", "https://creativecommons.org/licenses/by/4.0/").id == "cc-by"
    assert recognise_licence("notspecified", "http://opendatacommons.org/licenses/odbl/").id == "odbl"
    # the label wins otherwise
    assert recognise_licence("CC BY 4.0", "http://opendatacommons.org/licenses/odbl/").id == "cc-by"
    # odd types are ignored
    assert recognise_licence(["lov2"], {"x": 1}) is None  # type: ignore[arg-type]


def test_legal_status():
    assert get("lov2").approved_for_data and not get("lov2").superseded
    assert get("lov1").approved_for_data and get("lov1").superseded
    assert get("lo").approved_for_data and get("odbl").approved_for_data
    approved = {i for i, lic in LICENCES.items() if lic.approved_for_data}
    assert approved == {"lov2", "lov1", "lo", "odbl"}
    software = {i for i, lic in LICENCES.items() if lic.approved_for_software}
    assert software == {"bsd", "apache-2.0", "cecill-b", "mit", "mpl", "gpl", "cecill", "eupl", "epl"}
    assert all(LICENCES[i].kind == "software" for i in software)
    assert get("cc-by").kind == "data" and not get("cc-by").approved_for_data
    assert get("other-closed").kind == "other"


# canonical World id -> the ids a portal's spelling of it may be read as
WORLD_IDS = {"lov2": {"lov2"}, "lo1": {"lov1", "lo"}, "odbl": {"odbl"}, "cc-by": {"cc-by"},
             "cc-by-nc": {"cc-by-nc"}, "other-closed": {"other-closed"}, None: {"notspecified"}}


def test_simulated_portals_spellings():
    seen = 0
    for world_id, (lic_id, title, url) in ckan.LICENCES.items():
        for label in (lic_id, title):
            assert recognise_licence(label, url or None).id in WORLD_IDS[world_id], label
            seen += 1
    for world_id, url in dcat.LICENCES.items():
        assert recognise_licence(url, url).id in WORLD_IDS[world_id], url
        seen += 1
    for world_id, text in dcat.RIGHTS.items():
        assert recognise_licence(text).id in WORLD_IDS[world_id], text
        seen += 1
    for world_id, (text, link) in geonetwork.LICENCES.items():
        assert recognise_licence(text, link).id in WORLD_IDS[world_id], text
        seen += 1
    for world_id, (text, link) in opendatasoft.LICENCES.items():
        assert recognise_licence(text, link).id in WORLD_IDS[world_id], text
        assert recognise_licence(text).id in WORLD_IDS[world_id], text  # label alone too
        seen += 1
    for world_id, text in udata.LICENCES.items():
        assert recognise_licence(text).id in WORLD_IDS[world_id], text
        seen += 1
    assert seen >= 25


_LICENCE_KEYS = {"license", "licence", "license_id", "license_title", "license_url", "licenseobject",
                 "md_legalconstraintsotherconstraintsobject", "rights", "dataset.license"}


def _licence_strings(node, key=None):
    """Every string under a licence-like key of a JSON sample (lists, GeoNetwork
    multilingual objects and named objects included)."""
    if isinstance(node, dict):
        if key in _LICENCE_KEYS:
            for k in ("default", "langfre", "name", "title", "url", "href"):
                if isinstance(node.get(k), str):
                    yield node[k]
        for k, v in node.items():
            yield from _licence_strings(v, k.lower())
    elif isinstance(node, list):
        for v in node:
            yield from _licence_strings(v, key)
    elif isinstance(node, str) and key in _LICENCE_KEYS and node.strip():
        yield node


def test_every_licence_in_the_real_samples_is_read():
    values = set()
    for path in PORTALS.rglob("*.json"):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        values.update(_licence_strings(data))
    for path in PORTALS.rglob("*.xml"):
        text = path.read_text("utf-8")
        values.update(re.findall(r'<dct(?:erms)?:(?:license|rights) rdf:resource="([^"]+)"', text))
        values.update(re.findall(r'<dct(?:erms)?:LicenseDocument rdf:about="([^"]+)"', text))
        values.update(v.strip() for v in re.findall(r"<dct(?:erms)?:rights>([^<]+)<", text))
    assert len(values) >= 12
    unread = [v for v in values if recognise_licence(v) is None and not is_access_statement(v)]
    assert unread == []
    # spot checks on values that are really there
    assert recognise_licence("lov2").id == "lov2"
    assert {"Open Government Licence v3.0", "Licence Ouverte (Etalab)", "Licence Ouverte / Open Licence"} <= values
    assert "http://www.etalab.gouv.fr/pages/Licence_ouverte_Open_licence-5899923.html" in values
