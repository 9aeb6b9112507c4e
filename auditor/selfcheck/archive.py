"""Safe extraction of a ZIP archive given to ``auditor check`` or uploaded to ``auditor serve``.

An archive comes from outside: it may be a *zip bomb* (a few kilobytes that expand to gigabytes),
hold thousands of members, or name members so that they land outside the folder they are
extracted into (``../../.bashrc``, ``/etc/passwd``, ``C:\\...``, symbolic links). Here, before
anything is written:

* the number of members is capped (``max_members``);
* the declared total uncompressed size is capped (``max_total``), and so is each member's
  compression ratio (``max_ratio``, for members larger than ``ratio_floor`` bytes: small files
  of repeated characters legitimately compress well);
* absolute names, drive letters, ``..`` components, NUL characters, symbolic links, encrypted
  members, duplicate names, a name used both for a file and a folder (``a.csv`` and ``a.csv/b.csv``),
  names with a component over 255 bytes or a path over 4 000 bytes are refused;

then every member is streamed to disk under ``dest`` with the byte count checked again as it is
written (a forged header cannot make a member larger than it said), into files created
exclusively (never through an existing file or link), each target checked, once resolved, to stay
under ``dest`` (a folder of ``dest`` that is a link cannot lead outside). Nested archives are not
expanded. Writing problems (disk full, a name the file system refuses) are refused members too.

Errors are :class:`ArchiveError`, whose ``str()`` is French (``en`` holds the English).
"""
from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CHUNK = 1 << 16
NAME_MAX = 255  # bytes in one component of a path (ext4, APFS, NTFS...)
PATH_MAX = 4000  # bytes of a whole target path (Linux allows 4 096)
OFFICE_MARKERS = ("[Content_Types].xml", "mimetype")  # XLSX/DOCX and OpenDocument are ZIPs too


class ArchiveError(Exception):
    """The archive is refused or unreadable; ``str()`` is French, ``en`` English."""

    def __init__(self, fr: str, en: str):
        super().__init__(fr)
        self.en = en


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 1000
    max_total: int = 500 * 1024 * 1024  # uncompressed bytes, all members together
    max_ratio: float = 100.0  # uncompressed / compressed size of one member
    ratio_floor: int = 1024 * 1024  # members smaller than this are not ratio-checked


def is_archive(path: str | Path, name: str | None = None) -> bool:
    """Whether ``path`` is a ZIP archive to expand (not an XLSX or OpenDocument file, which are ZIPs
    too). ``name``: the original file name when ``path`` is a temporary file."""
    path = Path(path)
    suffix = Path(name or path.name).suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".ods", ".docx", ".odt"):
        return False
    try:
        with open(path, "rb") as f:
            if f.read(4) != b"PK\x03\x04" and suffix != ".zip":
                return False
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError):
        return suffix == ".zip"  # a broken .zip is still an archive: extraction reports it
    return not any(m in names for m in OFFICE_MARKERS)


def extract_zip(path: str | Path, dest: str | Path, limits: ArchiveLimits = ArchiveLimits()) -> list[Path]:
    """Extract the archive at ``path`` into the existing folder ``dest`` after checking it against
    ``limits``; returns the extracted files (folders excluded) in archive order."""
    dest = Path(dest).resolve()
    label = Path(path).name
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError) as exc:
        raise ArchiveError(f"{label} n'est pas une archive ZIP lisible ({exc}).",
                           f"{label} is not a readable ZIP archive ({exc}).") from None
    with zf:
        infos = zf.infolist()
        plan = _plan(infos, dest, limits, label)
        written: list[Path] = []
        total = 0
        for info, target in plan:
            if target is None:
                continue
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ArchiveError(f"{label} : « {_show(info.filename)} » ne peut pas être extrait "
                                   f"({exc.strerror or exc}).",
                                   f"{label}: “{_show(info.filename)}” cannot be extracted ({exc.strerror or exc}).") \
                    from None
            total = _copy(zf, info, target, total, limits, label)
            written.append(target)
    return written


def _plan(infos: list[zipfile.ZipInfo], dest: Path, limits: ArchiveLimits, label: str) \
        -> list[tuple[zipfile.ZipInfo, Path | None]]:
    """Check every member before anything is written; the target path of each file member (None for
    a folder)."""
    if len(infos) > limits.max_members:
        raise ArchiveError(f"{label} contient {len(infos)} éléments, au-delà de la limite de {limits.max_members}.",
                           f"{label} holds {len(infos)} members, over the limit of {limits.max_members}.")
    declared = sum(max(i.file_size, 0) for i in infos)
    if declared > limits.max_total:
        raise ArchiveError(
            f"{label} se décompresse en {_mb(declared)}, au-delà de la limite de {_mb(limits.max_total)}.",
            f"{label} expands to {_mb(declared, 'MB')}, over the limit of {_mb(limits.max_total, 'MB')}.")
    seen: set[str] = set()
    folders: dict[str, str] = {}  # lower-case folder path -> a member that makes it a folder
    plan = []
    for info in infos:
        rel = _safe_name(info.filename, label)
        if rel is not None:
            _check_length(rel, dest, info.filename, label)
            parts = [p.lower() for p in rel.parts]
            for k in range(1, len(parts) + (1 if info.filename.endswith("/") else 0)):
                folders.setdefault("/".join(parts[:k]), info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ArchiveError(f"{label} : « {_show(info.filename)} » est un lien symbolique, refusé.",
                               f"{label}: “{_show(info.filename)}” is a symbolic link, refused.")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{label} : « {_show(info.filename)} » est chiffré, illisible.",
                               f"{label}: “{_show(info.filename)}” is encrypted, unreadable.")
        if info.filename.endswith("/") or rel is None:
            plan.append((info, None))
            continue
        key = rel.as_posix().lower()
        if key in seen:
            raise ArchiveError(f"{label} : « {_show(info.filename)} » figure deux fois dans l'archive.",
                               f"{label}: “{_show(info.filename)}” appears twice in the archive.")
        seen.add(key)
        if info.file_size > limits.ratio_floor and \
                info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise ArchiveError(
                f"{label} : « {_show(info.filename)} » est compressé {ratio:.0f} fois (limite {limits.max_ratio:.0f}) : "
                "archive suspecte (bombe de décompression), refusée.",
                f"{label}: “{_show(info.filename)}” is compressed {ratio:.0f} times (limit {limits.max_ratio:.0f}): "
                "suspicious archive (decompression bomb), refused.")
        target = dest.joinpath(*rel.parts)
        if not target.resolve().is_relative_to(dest):
            raise ArchiveError(f"{label} : « {_show(info.filename)} » sortirait du dossier d'extraction, refusé.",
                               f"{label}: “{_show(info.filename)}” would escape the extraction folder, refused.")
        plan.append((info, target))
    for info, target in plan:
        if target is not None and target.relative_to(dest).as_posix().lower() in folders:
            other = folders[target.relative_to(dest).as_posix().lower()]
            raise ArchiveError(f"{label} : « {_show(info.filename)} » est à la fois un fichier et un dossier (voir "
                               f"« {_show(other)} »), refusé.",
                               f"{label}: “{_show(info.filename)}” is both a file and a folder (see “{_show(other)}”), "
                               "refused.")
    return plan


def _check_length(rel: PurePosixPath, dest: Path, name: str, label: str) -> None:
    longest = max(len(p.encode("utf-8", "surrogateescape")) for p in rel.parts)
    whole = len(str(dest.joinpath(*rel.parts)).encode("utf-8", "surrogateescape"))
    if longest > NAME_MAX or whole > PATH_MAX:
        raise ArchiveError(f"{label} : le nom « {_show(name)} » est trop long ({longest} octets pour un élément du "
                           f"chemin, limite {NAME_MAX} ; {whole} pour le chemin entier, limite {PATH_MAX}), refusé.",
                           f"{label}: the name “{_show(name)}” is too long ({longest} bytes for one part of the "
                           f"path, limit {NAME_MAX}; {whole} for the whole path, limit {PATH_MAX}), refused.")


def _safe_name(name: str, label: str) -> PurePosixPath | None:
    """The member's relative path, or an ArchiveError for absolute, drive-letter, ``..`` or NUL names;
    None for a name that is only folders/dots."""
    unified = name.replace("\\", "/")
    bad = ("\x00" in name or unified.startswith("/") or (len(unified) > 1 and unified[1] == ":")
           or any(part == ".." for part in unified.split("/")))
    if bad:
        raise ArchiveError(f"{label} : le nom « {_show(name)} » sortirait du dossier d'extraction "
                           "(chemin absolu ou « .. »), refusé.",
                           f"{label}: the name “{_show(name)}” would escape the extraction folder "
                           "(absolute path or “..”), refused.")
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    return PurePosixPath(*parts) if parts else None


def _copy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, total: int, limits: ArchiveLimits,
          label: str) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError:
        raise ArchiveError(f"{label} : « {_show(info.filename)} » entre en conflit avec un autre élément.",
                           f"{label}: “{_show(info.filename)}” clashes with another member.") from None
    except OSError as exc:
        raise ArchiveError(f"{label} : « {_show(info.filename)} » ne peut pas être extrait ({exc.strerror or exc}).",
                           f"{label}: “{_show(info.filename)}” cannot be extracted ({exc.strerror or exc}).") from None
    size = 0
    try:
        with os.fdopen(fd, "wb") as out, zf.open(info) as src:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                total += len(chunk)
                if size > info.file_size or total > limits.max_total:
                    raise ArchiveError(f"{label} : « {_show(info.filename)} » est plus gros que déclaré, refusé.",
                                       f"{label}: “{_show(info.filename)}” is larger than declared, refused.")
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        # ValueError: a local header's name that is not the UTF-8 its flag declares (UnicodeDecodeError)
        raise ArchiveError(f"{label} : « {_show(info.filename)} » illisible ({exc}).",
                           f"{label}: “{_show(info.filename)}” unreadable ({exc}).") from None
    return total


def _show(name: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in name)[:200]


def _mb(n: int, unit: str = "Mo") -> str:
    return f"{n / (1024 * 1024):.1f} {unit}"
