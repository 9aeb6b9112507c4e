"""Table Schema fields and the exact reading of one cell, as Validata (frictionless 4.38) reads it.

`FieldSpec` normalises one schema field (type, format, missing values, supported constraints in the order they
are checked, parsed bounds and enum values). `FieldSpec.read(cell)` is the reference, cell-by-cell reading: the
parsed value, or None when the cell does not read as the field's type. The vectorised readers
(`auditor.tabular.vector`) only ever accept cells whose value is certain; every other cell comes here.

Rules (validata-semantics §4-5): ``string`` formats email/uri/uuid/binary; ``integer`` = Python ``int()`` after
stripping non-digits when ``bareNumber`` is false; ``number`` = ``Decimal`` (``float`` with ``floatNumber``), with
groupChar/decimalChar/bareNumber processing only when the field names one of them; ``boolean`` = exact
trueValues/falseValues; ``date``/``datetime``/``time`` = ``strptime`` of the format (``default`` ISO, ``any``
dateutil); ``year`` = 4 characters read by ``int``; ``geopoint`` ``"lon, lat"`` / JSON array / JSON object;
``array`` / ``object`` = JSON; ``yearmonth`` ``YYYY-MM``; ``duration`` ISO 8601; ``any`` = the cell itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid as _uuid
from collections import namedtuple
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

DEFAULT_MISSING = [""]
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]

_RANGE = ("required", "minimum", "maximum", "enum")
TYPE_CONSTRAINTS: dict[str, tuple[str, ...]] = {
    "string": ("required", "minLength", "maxLength", "pattern", "enum"),
    "integer": _RANGE, "number": _RANGE, "date": _RANGE, "datetime": _RANGE, "time": _RANGE,
    "year": _RANGE, "yearmonth": _RANGE,
    "boolean": ("required", "enum"), "geopoint": ("required", "enum"), "duration": ("required", "enum"),
    "geojson": ("required", "enum"), "any": ("required", "enum"),
    "array": ("required", "minLength", "maxLength", "enum"), "object": ("required", "minLength", "maxLength", "enum"),
}
KNOWN_TYPES = frozenset(TYPE_CONSTRAINTS)


class Geopoint(namedtuple("Geopoint", ["lon", "lat"])):
    """A parsed geopoint (Decimals); printed ``[lon, lat]`` as Validata prints it."""

    def __repr__(self):
        return str([float(self[0]), float(self[1])])

    __str__ = __repr__


YearMonth = namedtuple("YearMonth", ["year", "month"])

_NON_DIGITS = re.compile(r"((^\D*)|(\D*$))")


class FieldSpec:
    """One field of the schema as the validator uses it.

    ``checks`` lists the constraints actually checked, in frictionless' order for the type, each with its
    parsed argument: ``("required", True)``, ``("minimum", Decimal("0"))``, ``("pattern", compiled re)``,
    ``("enum", [parsed values])``. A bound or pattern that cannot be used is left out and recorded in
    ``unusable`` (the schema self-check reports those schemas before any row is read).
    """

    def __init__(self, descriptor: dict[str, Any] | None, schema_missing: list | None = None, *, name: str | None = None):
        d = descriptor if isinstance(descriptor, dict) else {}
        self.descriptor = d
        self.name = str(d.get("name", name if name is not None else ""))
        self.type = d.get("type", "any") if isinstance(d.get("type", "any"), str) else "any"
        if self.type not in KNOWN_TYPES:
            self.type = "any"
        fmt = d.get("format", "default")
        self.format = fmt if isinstance(fmt, str) else "default"
        mv = d.get("missingValues", schema_missing if schema_missing is not None else DEFAULT_MISSING)
        self.missing_values = list(mv) if isinstance(mv, list) else list(DEFAULT_MISSING)
        cons = d.get("constraints", {})
        self.constraints = cons if isinstance(cons, dict) else {}
        self.bare_number = d.get("bareNumber", True)
        self.float_number = d.get("floatNumber", False)
        self.decimal_char = d.get("decimalChar", ".")
        self.group_char = d.get("groupChar", "")
        self.number_processing = bool({"groupChar", "decimalChar", "bareNumber"} & set(d))
        tv = d.get("trueValues", DEFAULT_TRUE)
        fv = d.get("falseValues", DEFAULT_FALSE)
        self.true_values = list(tv) if isinstance(tv, list) else list(DEFAULT_TRUE)
        self.false_values = list(fv) if isinstance(fv, list) else list(DEFAULT_FALSE)
        self.bool_map: dict[Any, bool] = {}
        for v in self.true_values:
            if _hashable(v):
                self.bool_map[v] = True
        for v in self.false_values:
            if _hashable(v):
                self.bool_map[v] = False
        item = d.get("arrayItem") if self.type == "array" else None
        self.item = FieldSpec(item) if isinstance(item, dict) and "arrayItem" not in item else None
        self.unique = bool(self.constraints.get("unique"))
        self.checks: list[tuple[str, Any]] = []
        self.unusable: list[str] = []
        for cname in TYPE_CONSTRAINTS[self.type]:
            arg = self.constraints.get(cname)
            if arg is None:
                continue
            try:
                parsed = self._parse_constraint(cname, arg)
            except (re.error, TypeError, ValueError, RecursionError, OverflowError):
                self.unusable.append(cname)
                continue
            self.checks.append((cname, parsed))

    def _parse_constraint(self, cname: str, arg: Any) -> Any:
        if cname in ("minimum", "maximum"):
            value = self.read_value(arg)
            if value is None:
                raise ValueError(cname)
            return value
        if cname == "pattern":
            if not isinstance(arg, str):
                raise TypeError(cname)
            return re.compile("^{0}$".format(arg))
        if cname == "enum":
            if not isinstance(arg, list):
                raise TypeError(cname)
            return [self.read_value(v) for v in arg]
        if cname in ("minLength", "maxLength"):
            if isinstance(arg, bool) or not isinstance(arg, (int, float)):
                raise TypeError(cname)
            return arg
        return arg

    # ------------------------------------------------------------------------------------------- reading

    def is_missing(self, cell: Any) -> bool:
        try:
            return cell in self.missing_values
        except TypeError:
            return False

    def read_value(self, cell: Any) -> Any:
        """The parsed value of ``cell`` (any Python value, as in a JSON schema), or None on a type error."""
        try:
            return _READERS[self.type](self, cell)
        except (ValueError, TypeError, ArithmeticError, KeyError, IndexError, AttributeError, RecursionError,
                UnicodeError, InvalidOperation):
            return None

    def read_cell(self, cell: Any) -> tuple[Any, list[str]]:
        """Frictionless' ``read_cell``: (value, failed checks). Failed checks are ``"type"`` or constraint names;
        for arrays, ``"item-type"`` and ``"item-<constraint>"`` for their items."""
        if self.is_missing(cell):
            cell = None
        failed: list[str] = []
        if cell is not None:
            value = self.read_value(cell)
            if value is None:
                failed.append("type")
            cell = value
        if not failed:
            for cname, arg in self.checks:
                if not check(cname, arg, cell):
                    failed.append(cname)
        if cell is not None and not failed and self.item is not None:
            items = []
            item_failed: list[str] = []
            for raw in cell:
                value = self.item.read_value(raw)
                if value is None and "item-type" not in item_failed:
                    item_failed.append("item-type")
                for cname, arg in self.item.checks:
                    if not check(cname, arg, value) and "item-" + cname not in item_failed:
                        item_failed.append("item-" + cname)
                items.append(value)
            cell = items
            failed.extend(item_failed)
        return cell, failed


def check(cname: str, arg: Any, value: Any) -> bool:
    """One constraint on one parsed value (None = missing), exactly as frictionless 4 checks it."""
    if cname == "required":
        return not (arg and value is None)
    if value is None:
        return True
    try:
        if cname == "minLength":
            return len(value) >= arg
        if cname == "maxLength":
            return len(value) <= arg
        if cname == "minimum":
            return bool(value >= arg)
        if cname == "maximum":
            return bool(value <= arg)
        if cname == "pattern":
            return bool(arg.match(value))
        if cname == "enum":
            return value in arg
    except (InvalidOperation, TypeError):
        return False
    return True


def _hashable(v: Any) -> bool:
    try:
        hash(v)
        return True
    except TypeError:
        return False


# ----------------------------------------------------------------------------------------------- string formats

_EMAIL_USER = re.compile(
    r"(^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*$"
    r'|^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"$)', re.IGNORECASE)
_DOMAIN = re.compile(r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-_]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9][A-Za-z0-9-_]{0,61}[A-Za-z]$",
                     re.IGNORECASE)
_SPACE = re.compile(r"\s")


def is_email(value: str) -> bool:
    """validators 0.22 ``email`` with its defaults: one "@", a dot-atom or quoted local part of at most 64
    characters, a domain name (IDNA-encoded, labels of 1-63 characters, alphabetic end) of at most 253."""
    if not value or value.count("@") != 1:
        return False
    user, domain = value.rsplit("@", 1)
    if len(user) > 64 or len(domain) > 253:
        return False
    if not _EMAIL_USER.match(user):
        return False
    if not domain or _SPACE.search(domain):
        return False
    try:
        ascii_domain = domain.encode("idna").decode("utf-8")
    except UnicodeError:
        return False
    return bool(_DOMAIN.match(ascii_domain))


def is_uri(value: str) -> bool:
    """rfc3986 2.0 ``uri_reference`` validated with ``require_presence_of("scheme")`` (frictionless 4.38): a
    scheme is required and a password in the authority is forbidden."""
    import rfc3986
    from rfc3986 import exceptions, validators

    try:
        uri = rfc3986.uri_reference(value)
        validators.Validator().require_presence_of("scheme").validate(uri)
    except exceptions.ValidationError:
        return False
    return True


def is_uuid(value: str) -> bool:
    if not value:
        return False
    try:
        _uuid.UUID(value)
        return True
    except ValueError:
        return False


def _read_string(spec: FieldSpec, cell):
    if not isinstance(cell, str):
        return None
    fmt = spec.format
    if fmt == "uri" and not is_uri(cell):
        return None
    if fmt == "email" and not is_email(cell):
        return None
    if fmt == "uuid" and not is_uuid(cell):
        return None
    if fmt == "binary":
        try:
            base64.b64decode(cell)
        except (binascii.Error, ValueError):
            return None
    return cell


# ----------------------------------------------------------------------------------------------- numbers


def _read_integer(spec: FieldSpec, cell):
    if isinstance(cell, str):
        if not spec.bare_number:
            cell = _NON_DIGITS.sub("", cell)
        return int(cell)
    if cell is True or cell is False:
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if isinstance(cell, Decimal) and cell % 1 == 0:
        return int(cell)
    return None


def process_number_text(spec: FieldSpec, cell: str) -> str:
    if spec.number_processing:
        cell = cell.replace(spec.group_char, "")
        cell = cell.replace(spec.decimal_char, ".")
        if not spec.bare_number:
            cell = _NON_DIGITS.sub("", cell)
    return cell


def _read_number(spec: FieldSpec, cell):
    primary, secondary = (float, Decimal) if spec.float_number else (Decimal, float)
    if isinstance(cell, str):
        return primary(process_number_text(spec, cell))
    if isinstance(cell, primary):
        return cell
    if cell is True or cell is False:
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, secondary):
        return primary(str(cell)) if primary is Decimal else primary(cell)
    return None


def _read_boolean(spec: FieldSpec, cell):
    if cell is True or cell is False:
        return cell
    if not _hashable(cell):
        return None
    return spec.bool_map.get(cell)


def _read_year(spec: FieldSpec, cell):
    if not isinstance(cell, int):
        if not isinstance(cell, str) or len(cell) != 4:
            return None
        cell = int(cell)
    if cell < 0 or cell > 9999:
        return None
    return cell


# ----------------------------------------------------------------------------------------------- dates and times


def _read_date(spec: FieldSpec, cell):
    if isinstance(cell, datetime):
        if cell.time().hour == 0 and cell.minute == 0 and cell.second == 0:
            return date(cell.year, cell.month, cell.day)
        return None
    if isinstance(cell, date):
        return cell
    if not isinstance(cell, str):
        return None
    if spec.format == "default":
        return datetime.strptime(cell, "%Y-%m-%d").date()
    if spec.format == "any":
        from dateutil import parser

        return parser.parse(cell).date()
    return datetime.strptime(cell, spec.format).date()


def _read_datetime(spec: FieldSpec, cell):
    if isinstance(cell, datetime):
        return cell
    if not isinstance(cell, str):
        return None
    from dateutil import parser

    if spec.format == "default":
        if len(cell) < 19 or cell[16] != ":":
            return None
        return parser.isoparse(cell)
    if spec.format == "any":
        return parser.parse(cell)
    return datetime.strptime(cell, spec.format)


def _read_time(spec: FieldSpec, cell):
    if isinstance(cell, time):
        return cell
    if not isinstance(cell, str):
        return None
    from dateutil import parser

    if spec.format == "default":
        if len(cell) < 8 or cell[5] != ":":
            return None
        return parser.isoparse(f"2000-01-01T{cell}").timetz()
    if spec.format == "any":
        return parser.parse(cell).timetz()
    return datetime.strptime(cell, spec.format).timetz()


def _read_yearmonth(spec: FieldSpec, cell):
    if isinstance(cell, (tuple, list)):
        if len(cell) != 2:
            return None
        return YearMonth(cell[0], cell[1])
    if not isinstance(cell, str):
        return None
    year, month = cell.split("-")
    year, month = int(year), int(month)
    if month < 1 or month > 12:
        return None
    return YearMonth(year, month)


_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?:(?P<years>\d+(?:[.,]\d+)?)Y)?(?:(?P<months>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$")


def _read_duration(spec: FieldSpec, cell):
    """ISO 8601 durations (``P1Y2M``, ``PT36H``, ``P3W``...); the value is the text's components."""
    if isinstance(cell, timedelta):
        return cell
    if not isinstance(cell, str):
        return None
    m = _DURATION.match(cell)
    if not m or cell in ("P", "+P", "-P") or cell.endswith("T"):
        return None
    return tuple((k, v) for k, v in m.groupdict().items() if v is not None)


# ----------------------------------------------------------------------------------------------- structured


def _read_geopoint(spec: FieldSpec, cell):
    if isinstance(cell, str):
        if spec.format == "default":
            lon, lat = cell.split(",")
            lon, lat = lon.strip(), lat.strip()
        elif spec.format == "array":
            lon, lat = json.loads(cell)
        elif spec.format == "object":
            obj = json.loads(cell)
            if len(obj) != 2:
                return None
            lon, lat = obj["lon"], obj["lat"]
        else:
            return None
        cell = (Decimal(lon), Decimal(lat))
    point = Geopoint(*cell)
    if point.lon > 180 or point.lon < -180 or point.lat > 90 or point.lat < -90:
        return None
    return point


def _read_json(cell, kind: type):
    """A JSON array or object: the native value, or the JSON text of one."""
    if isinstance(cell, kind):
        return cell
    if kind is list and isinstance(cell, tuple):
        return list(cell)
    if not isinstance(cell, str):
        return None
    value = json.loads(cell)
    return value if isinstance(value, kind) else None


def _read_array(spec: FieldSpec, cell):
    return _read_json(cell, list)


def _read_object(spec: FieldSpec, cell):
    return _read_json(cell, dict)


_GEOJSON_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection", "Feature", "FeatureCollection", "Topology"}


def _read_geojson(spec: FieldSpec, cell):
    """A JSON object whose ``type`` is a GeoJSON (or TopoJSON) type (the full GeoJSON profile is not checked)."""
    if isinstance(cell, str):
        cell = json.loads(cell)
    if not isinstance(cell, dict):
        return None
    if spec.format in ("default", "topojson") and cell.get("type") not in _GEOJSON_TYPES:
        return None
    return cell


def _read_any(spec: FieldSpec, cell):
    return cell


_READERS = {
    "string": _read_string, "integer": _read_integer, "number": _read_number, "boolean": _read_boolean,
    "date": _read_date, "datetime": _read_datetime, "time": _read_time, "year": _read_year,
    "yearmonth": _read_yearmonth, "duration": _read_duration, "geopoint": _read_geopoint, "array": _read_array,
    "object": _read_object, "geojson": _read_geojson, "any": _read_any,
}
