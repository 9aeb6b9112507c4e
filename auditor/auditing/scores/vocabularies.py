"""The controlled vocabularies data.europa.eu's MQA checks values against, shipped as data.

Sources (facts copied as lists; retrieved from public copies of the vocabularies):

- ``EU_FILE_TYPES``: the EU Publications Office *File type* authority table
  (``http://publications.europa.eu/resource/authority/file-type/<CODE>``), every concept
  code as listed by ``mjanez/ckan-mqa`` (``ckan2mqa/assets/vocabs/file-types``, downloaded
  from the Publications Office).
- ``NON_PROPRIETARY`` and ``MACHINE_READABLE``: data.europa.eu's own lists,
  ``european-data-portal/edp-vocabularies`` ``edp-non-proprietary-format.rdf`` and
  ``edp-machine-readable-format.rdf`` (copies vendored by ``YourOpenDAta/mqa-scoring``),
  which the MQA methodology names for the two indicators. Note that the MQA counts XLS and
  XLSX as machine-readable (data.gouv.fr counts them as closed formats).
- ``EU_LICENCES``: the EU *Licence* authority table
  (``http://publications.europa.eu/resource/authority/licence/<CODE>``) with each
  licence's ``skos:exactMatch`` URL where it has one (``mjanez/ckan-mqa``
  ``licenses.csv``). Only the open-data and public-sector licences are listed with their
  URL; the other codes (software licences) are kept by code.
- ``ACCESS_RIGHTS``: the EU *Access right* authority table.
- ``IANA_MEDIA_TYPES``: a **subset** of the IANA media-type registry: the registered types
  an open-data portal publishes (tables, structured text, linked data, geodata, office
  documents, archives, images). The full registry has about 2,000 entries; a media type
  outside this subset counts as "not from the vocabulary", which is right for the
  unregistered ones portals use (``application/x-shapefile``, ``application/jsonl``,
  ``application/gpx+xml``, ``application/vnd.ogc.wms_xml``…).
"""
from __future__ import annotations

EU_FILE_TYPE_NS = "http://publications.europa.eu/resource/authority/file-type/"
EU_LICENCE_NS = "http://publications.europa.eu/resource/authority/licence/"
EU_ACCESS_RIGHT_NS = "http://publications.europa.eu/resource/authority/access-right/"
IANA_NS = ("http://www.iana.org/assignments/media-types/", "https://www.iana.org/assignments/media-types/")

EU_FILE_TYPES = frozenset("""
7Z AAB AAC AKN4EU AKN4EU_ZIP APK APPX ARC ARCINFO_COV ARC_GZ ARJ ATOM AZW BIN BITS BMP BWF BZIP2
CSS CSV DAPK DBF DCR DEB DGN DMG DMP DOC DOCX DTD_SGML DTD_XML DWG DXF E00 EAR ECW EFORMS_XML EPS
EPUB ETSI_XML EXE FMX2 FMX3 FMX4 FMX4_ZIP GDB GEOJSON GEOTIFF GIF GML GMZ GPKG GRID GRID_ASCII
GTFS GZIP HDF HDT HTML HTML5 HTML_SIMPL ICS IMMC_XML INDD IPA ISO ISO_ZIP JAR JATS JPEG JPEG2000
JS JSON JSON_LD KML KMZ LAS LAZ LEG LHA LPK LZIP LZMA LZO MAP_PRVW MAP_SRVC MBOX MDB METS METS_ZIP
MHTML MIF_MID MOBI MOP MOV MP3 MPEG2 MPEG4 MPEG4_AVC MRSID MSG_HTTP MSI MXD N3 NETCDF OAPK OCTET
ODB ODC ODF ODG ODP ODS ODT OP_DATPRO OVF OWL PDF PDF1X PDFA1A PDFA1B PDFA2A PDFA2B PDFA3 PDFUA
PDFX PDFX1A PDFX2A PDFX4 PL PNG PPS PPSX PPT PPTX PS PSD PWP QGS RAR RDF RDFA RDF_N_QUADS
RDF_N_TRIPLES RDF_THRIFT RDF_TRIG RDF_TRIX RDF_TURTLE RDF_XML REST RPM RSS RTF SB3 SCHEMA_XML SDMX
SGML SHP SKOS_XML SPARQLQ SPARQLQRES SQL STL SVG SWM TAB TAB_RSTR TAR TAR_GZ TAR_XZ TIFF TIFF_FX
TMX TSV TXT UNGEN WAR WARC WARC_GZ WAV WCS_SRVC WEBP WFS_SRVC WIM WMS_SRVC WMTS_SRVC WORLD XHTML
XHTML5 XHTML_SIMPL XLIFF XLS XLSB XLSM XLSX XML XSLFO XSLT XYZ XZ YAML Z ZIP
""".split())

NON_PROPRIETARY = frozenset("""
BMP CSV DBF GEOJSON GZIP HTML ICS JPEG2000 JSON JSON_LD KML KMZ NETCDF ODS PNG RDF_N_QUADS
RDF_N_TRIPLES RDF_TRIG RDF_TURTLE RDF_XML RSS RTF TAR TIFF TSV TXT WMS_SRVC XML ZIP
""".split())

MACHINE_READABLE = frozenset("""
CSV GEOJSON ICS JSON JSON_LD KML KMZ NETCDF ODS RDFA RDF_N_QUADS RDF_N_TRIPLES RDF_TRIG RDF_TURTLE
RDF_XML RSS SHP XLS XLSX XML
""".split())

#: auditor's short format names (auditor.normalize.formats) -> EU file-type code.
FORMAT_CODES = {
    "csv": "CSV", "json": "JSON", "geojson": "GEOJSON", "jsonld": "JSON_LD", "xml": "XML",
    "rdf": "RDF_XML", "ttl": "RDF_TURTLE", "xlsx": "XLSX", "xls": "XLS", "ods": "ODS", "odt": "ODT",
    "doc": "DOC", "docx": "DOCX", "pdf": "PDF", "shp": "SHP", "zip": "ZIP", "kml": "KML",
    "gtfs": "GTFS", "html": "HTML", "txt": "TXT", "png": "PNG", "jpeg": "JPEG", "wms": "WMS_SRVC",
    "wfs": "WFS_SRVC",
}

#: EU licence code -> its exactMatch URL (open-data and public-sector licences).
EU_LICENCE_URLS = {
    "CC0": "http://creativecommons.org/publicdomain/zero/1.0/",
    "CC_BY_1_0": "http://creativecommons.org/licenses/by/1.0/",
    "CC_BY_2_0": "http://creativecommons.org/licenses/by/2.0/",
    "CC_BY_2_5": "http://creativecommons.org/licenses/by/2.5/",
    "CC_BY_3_0": "http://creativecommons.org/licenses/by/3.0/",
    "CC_BY_4_0": "http://creativecommons.org/licenses/by/4.0/",
    "CC_BYSA_1_0": "http://creativecommons.org/licenses/by-sa/1.0/",
    "CC_BYSA_2_0": "http://creativecommons.org/licenses/by-sa/2.0/",
    "CC_BYSA_2_5": "http://creativecommons.org/licenses/by-sa/2.5/",
    "CC_BYSA_3_0": "http://creativecommons.org/licenses/by-sa/3.0/",
    "CC_BYSA_4_0": "http://creativecommons.org/licenses/by-sa/4.0/",
    "CC_BYNC_4_0": "http://creativecommons.org/licenses/by-nc/4.0/",
    "CC_BYND_4_0": "http://creativecommons.org/licenses/by-nd/4.0/",
    "CC_BYNCSA_4_0": "http://creativecommons.org/licenses/by-nc-sa/4.0/",
    "CC_BYNCND_4_0": "http://creativecommons.org/licenses/by-nc-nd/4.0/",
    "CC_PDM_1_0": "http://creativecommons.org/publicdomain/mark/1.0/",
    "ODC_BL": "http://opendatacommons.org/licenses/odbl/1.0/",
    "ODC_BY": "http://opendatacommons.org/licenses/by/1.0/",
    "ODC_PDDL": "http://opendatacommons.org/licenses/pddl/1.0/",
    "ETALAB_2_0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "EUPL_1_2": "https://joinup.ec.europa.eu/collection/eupl/eupl-text-11-12",
    "COM_REUSE": "http://data.europa.eu/eli/dec/2011/833/oj",
    "OGL_3_0": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "NLOD_2_0": "https://data.norge.no/nlod/en/2.0/",
    "DLDE_BY_2_0": "https://www.govdata.de/dl-de/by-2-0",
    "IODL_2_0": "https://www.dati.gov.it/content/italian-open-data-license-v20",
    "MPL_2_0": "https://opensource.org/licenses/MPL-2.0",
    "GPL_3_0": "https://opensource.org/licenses/GPL-3.0",
    "APACHE_2_0": "https://opensource.org/licenses/Apache-2.0",
    "MIT": "https://opensource.org/licenses/MIT",
    "BSD_3_CLAUSE": "https://opensource.org/licenses/BSD-3-Clause",
    "CECILL_2_1": "https://opensource.org/licenses/CECILL-2.1",
}
EU_LICENCES = frozenset(EU_LICENCE_URLS) | frozenset("""
0BSD AGPL_3_0 APACHE_1_1 APL_1_0 APSL_2_0 ARTISTIC_1_0 ARTISTIC_2_0 BSD_2_CLAUSE BSD_3_CLAUSE_LBNL
BSD_PLUS_PATENT BSL_1_0 CATOSL_1_1 CC_BY CC_BYNC CC_BYNCND CC_BYNCND_1_0 CC_BYNCND_2_0
CC_BYNCND_2_5 CC_BYNCND_3_0 CC_BYNCSA CC_BYNCSA_1_0 CC_BYNCSA_2_0 CC_BYNCSA_2_5 CC_BYNCSA_3_0
CC_BYNC_1_0 CC_BYNC_2_0 CC_BYNC_2_5 CC_BYNC_3_0 CC_BYND CC_BYND_1_0 CC_BYND_2_0 CC_BYND_2_5
CC_BYND_3_0 CC_BYSA CC_BYSA_3_0_NL CC_BY_3_0_AT CC_BY_3_0_NL CDDL_1_0 CLARIN_ACA_1_0 CNRI_PYTHON
CPAL_1_0 CPL_1_0 DLDE_BYNC_1_0 DLDE_BY_1_0 DLDE_ZERO_2_0 ECL_1_0 ECL_2_0 ECOS_2_0 EFL_1_0 EFL_2
ENTESSA EPL_1_0 EPL_2_0 EUPL_1_0 EUPL_1_1 EUROGEO_2022 EU_DATAGRID FAIR FRAMEWORX_1_0 GNU_FDL
GNU_FDL_1_1 GNU_FDL_1_2 GNU_FDL_1_3 GPL_2_0 HPND HROD IODL_1_0 IPA IPL_1_0 ISA_OML ISA_OML_1_1 ISC
LGPL_2_1 LGPL_3_0 LILIQ_P_1_1 LILIQ_RPLUS_1_1 LILIQ_R_1_1 LPL_1_0 LPL_1_02 LPPL_1_3C MIROS MOTOSOTO
MPL_1_0 MPL_1_1 MS_PL MS_RL MULTICS NASA_1_3 NAUMEN NCSA NGPL NLOD_1_0 NOKIA NPOSL_3_0 NTP OCLC_2_0
OFL_1_1 OGL_1_0 OGL_2_0 OGL_NC OGL_ROU_1_0 OGTSL OPL_2_1 OP_DATPRO OSL_1_0 OSL_2_1 OSL_3_0 PHP_3_0
POSTGRE_SQL PSEUL PYTHON_2_0 QPL_1_0 RPL_1_1 RPL_1_5 RPSL_1_0 RSCPL SIMPL_2_0 SLEEPYCAT SPL_1_0
UCL_1_0 UPL_1_0 VSL_1_0 W3C WATCOM_1_0 WXWINDOWS XNET ZLIB ZPL_2_0
""".split())

#: How French portals name the licences of the EU table (ids and labels, folded).
LICENCE_ALIASES = {
    "lov2": "ETALAB_2_0", "etalab 2 0": "ETALAB_2_0", "etalab 2": "ETALAB_2_0",
    "licence ouverte v2 0": "ETALAB_2_0", "licence ouverte 2 0": "ETALAB_2_0",
    "licence ouverte v2 0 etalab": "ETALAB_2_0", "licence ouverte etalab 2 0": "ETALAB_2_0",
    "licence ouverte open licence version 2 0": "ETALAB_2_0", "open licence 2 0": "ETALAB_2_0",
    "etalab licence ouverte 2 0": "ETALAB_2_0",
    "odbl": "ODC_BL", "odc odbl": "ODC_BL", "odc odbl 1 0": "ODC_BL",
    "open database license odbl": "ODC_BL", "open database license": "ODC_BL",
    "odc by": "ODC_BY", "odc pddl": "ODC_PDDL",
    "cc by": "CC_BY_4_0", "cc by 4 0": "CC_BY_4_0", "cc by sa": "CC_BYSA_4_0",
    "cc by sa 4 0": "CC_BYSA_4_0", "cc0": "CC0", "cc zero": "CC0", "cc0 1 0": "CC0",
    "eupl 1 2": "EUPL_1_2", "eupl": "EUPL_1_2",
}

ACCESS_RIGHTS = frozenset({"PUBLIC", "RESTRICTED", "NON_PUBLIC", "CONFIDENTIAL", "NORMAL",
                           "SENSITIVE", "OP_DATPRO"})

IANA_MEDIA_TYPES = frozenset("""
text/csv text/plain text/html text/xml text/turtle text/n3 text/tab-separated-values text/calendar
text/markdown text/css text/javascript text/rtf
application/json application/geo+json application/ld+json application/xml application/rdf+xml
application/n-triples application/n-quads application/trig application/rss+xml
application/atom+xml application/sparql-results+json application/sparql-results+xml
application/sparql-query application/json-seq application/yaml application/sql
application/pdf application/rtf application/zip application/gzip application/octet-stream
application/vnd.ms-excel application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
application/vnd.oasis.opendocument.spreadsheet application/vnd.oasis.opendocument.text
application/vnd.oasis.opendocument.presentation application/msword
application/vnd.openxmlformats-officedocument.wordprocessingml.document
application/vnd.ms-powerpoint application/vnd.openxmlformats-officedocument.presentationml.presentation
application/vnd.google-earth.kml+xml application/vnd.google-earth.kmz application/gml+xml
application/geopackage+sqlite3 application/vnd.geo+json application/vnd.apache.parquet
application/epub+zip
image/png image/jpeg image/tiff image/gif image/bmp image/svg+xml image/jp2 image/webp
""".split())


def file_type_code(value: str | None) -> str | None:
    """The EU file-type code named by ``value`` (a code, a vocabulary URI, a format label)."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith(("http://", "https://")):
        if "/authority/file-type/" not in text:
            return None
        text = text.rstrip("/").rsplit("/", 1)[-1]
    code = text.upper().replace("-", "_").replace(" ", "_")
    return code if code in EU_FILE_TYPES else None


def media_type_registered(value: str | None) -> bool:
    if not value or not isinstance(value, str):
        return False
    text = value.strip()
    for ns in IANA_NS:
        if text.startswith(ns):
            text = text[len(ns):]
    return text.split(";", 1)[0].strip().lower() in IANA_MEDIA_TYPES
