"""Update frequencies, reduced to data.gouv.fr's (udata) frequency ids.

Portals declare them as udata ids (``monthly``), legacy udata ids (``realtime``,
``fortnighly``), French labels (``Quotidienne``, ``Mensuelle ou plusieurs fois par mois``,
``Irrégulière``), ISO 19115 maintenance codes (``annually``, ``asNeeded``), EU vocabulary
URIs (``.../frequency/ANNUAL``), DCAT/Dublin Core terms or ISO 8601 durations
(``R/P1M``, ``P1D``). Unknown text gives ``None`` and the raw value stays on the record.

ISO 19115 ``MD_MaintenanceFrequencyCode`` (GeoNetwork's ``cl_maintenanceAndUpdateFrequency``
key) is read as udata reads it when data.gouv.fr harvests an ISO catalogue
(:data:`ISO_MAINTENANCE`): udata's CSW-ISO-19139 harvester
(``udata/harvest/backends/dcat.py``, ``CswIso19139DcatBackend``) turns each record into DCAT
with data.gouv.fr's copy of SEMIC's XSLT (``datagouv/iso-19139-to-dcat-ap``,
``iso-19139-to-dcat-ap.xsl``, template ``MaintenanceInformation``: ISO code → EU frequency
term), then reads the EU term as udata's ``UpdateFrequency`` names it
(``udata/core/dataset/constants.py``, one EU term per udata id: ``PUNCTUAL`` is
``EU:AS_NEEDED``, ``SEVERAL_TIMES_A_DAY`` is ``EU:CONT``, ``CONTINUOUS`` is
``EU:UPDATE_CONT``). So ``asNeeded`` is ``punctual`` (not ``irregular``) and ``continual``,
which the XSLT writes ``CONT``, is ``severalTimesADay`` (not ``continuous``, which no ISO
code reaches). EU vocabulary URIs met directly (a DCAT catalogue) are read by their own
names here (``AS_NEEDED``: ``punctual``, ``NOT_PLANNED``: ``notPlanned``, ``CONT``:
``continuous``).
"""
from __future__ import annotations

from datetime import timedelta

from .text import fold

# udata ids with the delay data.gouv.fr expects between two updates (udata's
# ``UpdateFrequency`` deltas: "n times a day" counts as a day, "n times a week" as a week,
# a month is 31 days, a year 365 days); None: no deadline.
_DAY, _WEEK, _MONTH, _YEAR = timedelta(days=1), timedelta(weeks=1), timedelta(days=31), timedelta(days=365)
DELTAS: dict[str, timedelta | None] = {
    "continuous": None, "oneMinute": timedelta(minutes=1), "fiveMinutes": timedelta(minutes=5),
    "tenMinutes": timedelta(minutes=10), "fifteenMinutes": timedelta(minutes=15),
    "thirtyMinutes": timedelta(minutes=30), "hourly": timedelta(hours=1),
    "bihourly": timedelta(hours=2), "trihourly": timedelta(hours=3), "twelveHours": timedelta(hours=12),
    "severalTimesADay": _DAY, "threeTimesADay": _DAY, "semidaily": _DAY, "daily": _DAY,
    "fiveTimesAWeek": _WEEK, "threeTimesAWeek": _WEEK, "semiweekly": _WEEK, "weekly": _WEEK,
    "biweekly": 2 * _WEEK, "threeTimesAMonth": _MONTH, "semimonthly": _MONTH, "monthly": _MONTH,
    "bimonthly": 2 * _MONTH, "quarterly": 3 * _MONTH, "threeTimesAYear": _YEAR, "semiannual": _YEAR,
    "annual": _YEAR, "biennial": 2 * _YEAR, "triennial": 3 * _YEAR, "quadrennial": 4 * _YEAR,
    "quinquennial": 5 * _YEAR, "decennial": 10 * _YEAR, "bidecennial": 20 * _YEAR,
    "tridecennial": 30 * _YEAR,
    "punctual": None, "irregular": None, "never": None, "notPlanned": None, "other": None,
    "unknown": None,
}

_LEGACY = {"realtime": "continuous", "fourtimesaday": "severalTimesADay",
           "fourtimesaweek": "other", "fortnighly": "biweekly", "biannual": "semiannual"}

_WORDS = {
    # French labels (SCDL catalogue FREQ_MAJ, Opendatasoft dcat.accrualperiodicity, CKAN extras)
    "inconnue": "unknown", "inconnu": "unknown", "ponctuelle": "punctual", "ponctuel": "punctual",
    "irreguliere": "irregular", "irregulier": "irregular", "continuelle": "continuous",
    "continue": "continuous", "temps reel": "continuous", "en temps reel": "continuous",
    "toutes les heures": "hourly", "horaire": "hourly",
    "quotidienne ou plusieurs fois par jour": "daily", "quotidienne": "daily", "quotidien": "daily",
    "journaliere": "daily", "hebdomadaire ou plusieurs fois par semaine": "weekly",
    "hebdomadaire": "weekly", "bimensuelle": "semimonthly",
    "mensuelle ou plusieurs fois par mois": "monthly", "mensuelle": "monthly", "mensuel": "monthly",
    "bimestrielle": "bimonthly", "trimestrielle": "quarterly", "trimestriel": "quarterly",
    "semestrielle": "semiannual", "semestriel": "semiannual", "annuelle": "annual",
    "annuel": "annual", "biennale": "biennial", "triennale": "triennial",
    "quinquennale": "quinquennial", "jamais": "never", "non planifiee": "notPlanned",
    "autre": "other",
    # GeoNetwork's labels of the ISO 19115 codes (the codes themselves: ISO_MAINTENANCE)
    "lorsque necessaire": "punctual", "au besoin": "punctual", "quinzomadaire": "biweekly",
    "as needed": "punctual",
    # EU frequency vocabulary / Dublin Core
    "annual": "annual", "annual_2": "semiannual", "annual_3": "threeTimesAYear",
    "biennial": "biennial", "bimonthly": "bimonthly", "biweekly": "biweekly", "cont": "continuous",
    "daily": "daily", "daily_2": "semidaily", "monthly": "monthly", "monthly_2": "semimonthly",
    "monthly_3": "threeTimesAMonth", "never": "never", "op_datpro": "unknown", "other": "other",
    "quarterly": "quarterly", "triennial": "triennial", "update_cont": "continuous",
    "weekly": "weekly", "weekly_2": "semiweekly", "weekly_3": "threeTimesAWeek",
    "quinquennial": "quinquennial", "decennial": "decennial", "hourly": "hourly",
    "irreg": "irregular", "unknown_2": "unknown", "semiannual": "semiannual",
    "continuously": "continuous", "as_needed": "punctual", "not_planned": "notPlanned",
}

# ISO 19115 MD_MaintenanceFrequencyCode -> udata id, through udata's own chain (see the module
# docstring): the SEMIC/data.gouv.fr XSLT's EU term, then udata's UpdateFrequency for that term.
ISO_MAINTENANCE = {
    "continual": "severalTimesADay",  # EU:CONT
    "daily": "daily", "weekly": "weekly", "fortnightly": "biweekly",  # EU:DAILY, WEEKLY, BIWEEKLY
    "semimonthly": "semimonthly", "monthly": "monthly", "quarterly": "quarterly",  # EU:MONTHLY_2, ...
    "biannually": "semiannual", "annually": "annual", "biennially": "biennial",  # EU:ANNUAL_2, ANNUAL, BIENNIAL
    "periodic": "other",  # EU:OTHER
    "asneeded": "punctual",  # EU:AS_NEEDED
    "irregular": "irregular", "notplanned": "notPlanned", "unknown": "unknown",  # EU:IRREG, NOT_PLANNED, UNKNOWN
}

_DURATIONS = {
    "PT1M": "oneMinute", "PT5M": "fiveMinutes", "PT10M": "tenMinutes", "PT15M": "fifteenMinutes",
    "PT30M": "thirtyMinutes", "PT1H": "hourly", "PT2H": "bihourly", "PT3H": "trihourly",
    "PT12H": "twelveHours", "P1D": "daily", "P1W": "weekly", "P7D": "weekly", "P2W": "biweekly",
    "P14D": "biweekly", "P1M": "monthly", "P2M": "bimonthly", "P3M": "quarterly",
    "P6M": "semiannual", "P1Y": "annual", "P12M": "annual", "P2Y": "biennial", "P3Y": "triennial",
    "P4Y": "quadrennial", "P5Y": "quinquennial", "P10Y": "decennial",
}


def normalize_frequency(value: str | None) -> str | None:
    """The udata frequency id for ``value``, or ``None`` if it is not recognised."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if text in DELTAS:
        return text
    if "/" in text and ("europa.eu" in text or "purl.org" in text or "http" in text):
        text = text.rstrip("/").rsplit("/", 1)[-1]
        if text in DELTAS:
            return text
    upper = text.upper()
    if upper.startswith("R/"):
        upper = upper[2:]
    if upper in _DURATIONS:
        return _DURATIONS[upper]
    low = text.lower()
    if low in _LEGACY:
        return _LEGACY[low]
    if low in ISO_MAINTENANCE:
        return ISO_MAINTENANCE[low]
    for key in (low, fold(text), fold(text).replace(" ", "")):
        if key in _WORDS:
            return _WORDS[key]
    lowered = {k.lower(): k for k in DELTAS}
    return lowered.get(low)


# udata frequency id -> how a reader says it (French, English)
LABELS: dict[str, tuple[str, str]] = {
    "continuous": ("en temps réel", "real time"), "oneMinute": ("chaque minute", "every minute"),
    "fiveMinutes": ("toutes les 5 minutes", "every 5 minutes"),
    "tenMinutes": ("toutes les 10 minutes", "every 10 minutes"),
    "fifteenMinutes": ("tous les quarts d'heure", "every 15 minutes"),
    "thirtyMinutes": ("toutes les demi-heures", "every 30 minutes"), "hourly": ("toutes les heures", "hourly"),
    "bihourly": ("toutes les 2 heures", "every 2 hours"), "trihourly": ("toutes les 3 heures", "every 3 hours"),
    "twelveHours": ("toutes les 12 heures", "every 12 hours"),
    "severalTimesADay": ("plusieurs fois par jour", "several times a day"),
    "threeTimesADay": ("trois fois par jour", "three times a day"), "semidaily": ("deux fois par jour", "twice a day"),
    "daily": ("quotidienne", "daily"), "fiveTimesAWeek": ("cinq fois par semaine", "five times a week"),
    "threeTimesAWeek": ("trois fois par semaine", "three times a week"),
    "semiweekly": ("deux fois par semaine", "twice a week"), "weekly": ("hebdomadaire", "weekly"),
    "biweekly": ("toutes les deux semaines", "every two weeks"),
    "threeTimesAMonth": ("trois fois par mois", "three times a month"),
    "semimonthly": ("deux fois par mois", "twice a month"), "monthly": ("mensuelle", "monthly"),
    "bimonthly": ("tous les deux mois", "every two months"), "quarterly": ("trimestrielle", "quarterly"),
    "threeTimesAYear": ("trois fois par an", "three times a year"), "semiannual": ("semestrielle", "twice a year"),
    "annual": ("annuelle", "annual"), "biennial": ("tous les deux ans", "every two years"),
    "triennial": ("tous les trois ans", "every three years"),
    "quadrennial": ("tous les quatre ans", "every four years"),
    "quinquennial": ("tous les cinq ans", "every five years"), "decennial": ("tous les dix ans", "every ten years"),
    "bidecennial": ("tous les vingt ans", "every twenty years"),
    "tridecennial": ("tous les trente ans", "every thirty years"),
    "punctual": ("ponctuelle", "punctual"), "irregular": ("irrégulière", "irregular"), "never": ("jamais", "never"),
    "notPlanned": ("non planifiée", "not planned"), "other": ("autre", "other"), "unknown": ("inconnue", "unknown"),
}
