"""ZIP archives given to ``auditor check``: expanded safely (bombs, traversal, links refused before
anything is written) and checked like a folder."""
from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from auditor.selfcheck.archive import ArchiveError, ArchiveLimits, extract_zip, is_archive
from auditor.interfaces.cli import main
from tests.schema_server import SCHEMAS, SchemaServer

SUBVENTIONS = SCHEMAS / "scdl__subventions" / "2.1.1"


@pytest.fixture(scope="module")
def schemas():
    with SchemaServer() as server:
        yield server.url


def make_zip(path: Path, members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name) if name.endswith("/") else name, data)
    return path


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def test_normal_archive_is_extracted_in_place(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"donnees/": b"", "donnees/a.csv": b"x,y\n1,2\n", "lisez-moi.txt": b"ok"})
    dest = tmp_path / "out"
    dest.mkdir()
    got = extract_zip(archive, dest)
    assert [p.relative_to(dest.resolve()).as_posix() for p in got] == ["donnees/a.csv", "lisez-moi.txt"]
    assert (dest / "donnees" / "a.csv").read_bytes() == b"x,y\n1,2\n"
    assert stat.S_IMODE((dest / "lisez-moi.txt").stat().st_mode) == 0o600


@pytest.mark.parametrize("name", ["../../evil.csv", "a/../../evil.csv", "/tmp/evil.csv", "..\\..\\evil.csv",
                                  "C:/evil.csv", "ok/.."])
def test_traversal_and_absolute_names_are_refused_before_writing(tmp_path, name):
    archive = tmp_path / "t.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("premier.csv", b"a\n1\n")  # a legitimate member first: nothing at all is written
        info = zipfile.ZipInfo("x")
        info.filename = name  # bypass zipfile's own name cleaning, as a hostile tool would
        zf.writestr(info, b"pwned")
    dest = tmp_path / "out" / "deep"
    dest.mkdir(parents=True)
    before = files_under(tmp_path)
    with pytest.raises(ArchiveError, match="sortirait du dossier d'extraction") as err:
        extract_zip(archive, dest)
    assert err.value.en and "refused" in err.value.en
    assert files_under(tmp_path) == before  # nothing written, not even the first member
    assert not Path("/tmp/evil.csv").exists()


def test_symlink_members_are_refused(tmp_path):
    archive = tmp_path / "l.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("lien.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ArchiveError, match="lien symbolique"):
        extract_zip(archive, dest)
    assert not any(dest.iterdir())


def test_bomb_like_ratio_member_count_and_total_size_are_refused(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    bomb = make_zip(tmp_path / "bomb.zip", {"zeros.csv": b"0" * (8 * 1024 * 1024)})
    assert bomb.stat().st_size < 64 * 1024
    with pytest.raises(ArchiveError, match="bombe de décompression"):
        extract_zip(bomb, dest)
    many = make_zip(tmp_path / "many.zip", {f"f{i}.csv": b"a\n" for i in range(30)})
    with pytest.raises(ArchiveError, match="30 éléments, au-delà de la limite de 20"):
        extract_zip(many, dest, ArchiveLimits(max_members=20))
    big = make_zip(tmp_path / "big.zip", {"a.csv": os.urandom(300_000)}, compression=zipfile.ZIP_STORED)
    with pytest.raises(ArchiveError, match="se décompresse en 0.3 Mo, au-delà de la limite de 0.2 Mo"):
        extract_zip(big, dest, ArchiveLimits(max_total=200_000))
    assert not any(dest.iterdir())
    # a small, very repetitive file is fine (below the ratio floor)
    assert extract_zip(make_zip(tmp_path / "small.zip", {"s.csv": b"a;b\n" + b"1;1\n" * 50_000}), dest)


def test_duplicate_encrypted_and_broken_archives(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    dup = tmp_path / "dup.zip"
    with zipfile.ZipFile(dup, "w") as zf:
        zf.writestr("a.csv", b"1")
        zf.writestr("A.csv", b"2")
    with pytest.raises(ArchiveError, match="figure deux fois"):
        extract_zip(dup, dest)
    enc = make_zip(tmp_path / "enc.zip", {"secret.csv": b"xx"}, compression=zipfile.ZIP_STORED)
    raw = bytearray(enc.read_bytes())  # set the "encrypted" bit in the central directory, as zipfile won't
    central = raw.index(b"PK\x01\x02")
    raw[central + 8] |= 0x1
    enc.write_bytes(bytes(raw))
    with pytest.raises(ArchiveError, match="chiffré"):
        extract_zip(enc, dest)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 pas vraiment une archive")
    assert is_archive(broken)
    with pytest.raises(ArchiveError, match="n'est pas une archive ZIP lisible"):
        extract_zip(broken, dest)


def test_xlsx_is_not_an_archive(tmp_path):
    xlsx = make_zip(tmp_path / "classeur.bin", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"})
    assert not is_archive(xlsx)
    assert not is_archive(make_zip(tmp_path / "x.xlsx", {"a": b"b"}))
    assert is_archive(make_zip(tmp_path / "sans-extension", {"a.csv": b"a\n1\n"}))
    plain = tmp_path / "a.csv"
    plain.write_text("a\n1\n")
    assert not is_archive(plain)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["check", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_checks_a_normal_zip_like_a_folder(tmp_path, capsys, schemas):
    archive = make_zip(tmp_path / "depot.zip", {
        "subventions/valide.csv": (SUBVENTIONS / "exemple_valide.csv").read_bytes(),
        "subventions/cellules.csv": (SUBVENTIONS / "exemple_invalide_erreurs_cellules.csv").read_bytes(),
        "metadata.yaml": "titre: Subventions\nlicence: Licence Ouverte v2.0\nressources:\n"
                         "  - chemin: subventions/valide.csv\n    format: pdf\n".encode(),
    })
    code, out, err = run(capsys, str(archive), "--schemas", schemas, "--cache-dir", str(tmp_path / "cache"),
                         "--format", "json")
    assert code == 1, err
    doc = json.loads(out)
    targets = {r["target"]: r for r in doc["results"]}
    prefix = str(archive) + "/"
    assert set(targets) == {prefix + "metadata.yaml", prefix + "subventions/cellules.csv",
                            prefix + "subventions/valide.csv"}
    assert targets[prefix + "subventions/valide.csv"]["valid"]
    assert targets[prefix + "subventions/valide.csv"]["schema"]["name"] == "scdl/subventions"
    cells = targets[prefix + "subventions/cellules.csv"]
    assert not cells["valid"] and cells["findings"]
    assert all(f["target"] == prefix + "subventions/cellules.csv" for f in cells["findings"])
    assert "RN-FMT-01" in {f["rule"] for f in targets[prefix + "metadata.yaml"]["findings"]}
    # with a pinned schema every data file is validated against it
    code, out, _ = run(capsys, str(archive), "--schema", "scdl/subventions@2.1.1", "--schemas", schemas,
                       "--cache-dir", str(tmp_path / "cache"), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and [r["target"] for r in doc["results"]] == [prefix + "subventions/cellules.csv",
                                                                   prefix + "subventions/valide.csv"]
    assert all(r["schema"]["guessed"] is False for r in doc["results"])


def test_cli_refuses_hostile_archives_with_exit_2(tmp_path, capsys, schemas):
    bomb = make_zip(tmp_path / "bombe.zip", {"zeros.csv": b"0" * (8 * 1024 * 1024)})
    code, out, err = run(capsys, str(bomb), "--schemas", schemas, "--cache-dir", str(tmp_path / "cache"))
    assert code == 2 and out == ""
    assert err.startswith("auditor check : archive refusée : bombe.zip : « zeros.csv » est compressé")
    empty = make_zip(tmp_path / "vide.zip", {"lisez-moi.md": b"rien"})
    code, out, _ = run(capsys, str(empty), "--schemas", schemas, "--cache-dir", str(tmp_path / "cache"))
    assert code == 1 and "vide.zip ne contient aucun fichier de données" in out


def test_a_link_already_in_the_destination_cannot_take_a_member_outside(tmp_path):
    """The second containment check (each target, once resolved, stays under the destination) is the only one
    that sees this: the name « lien/evil.csv » is clean, but « lien » is a link to another folder (an extraction
    into a folder that already holds something). Without the check, the member is written through the link."""
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "lien").symlink_to(outside, target_is_directory=True)
    archive = make_zip(tmp_path / "a.zip", {"propre.csv": b"a\n1\n", "lien/evil.csv": b"pwned"})
    with pytest.raises(ArchiveError, match="sortirait du dossier d'extraction"):
        extract_zip(archive, dest)
    assert not any(outside.iterdir()) and not (dest / "propre.csv").exists()


def test_a_member_that_streams_more_than_it_declared_is_refused(tmp_path, monkeypatch):
    """The byte count is checked again as each member is written. zipfile itself stops at the declared size (then
    fails the CRC), so the check is exercised with a reader that gives more than the header said."""
    import io

    archive = make_zip(tmp_path / "a.zip", {"a.csv": b"a,b\n1,2\n"})
    real_open = zipfile.ZipFile.open

    def lying_open(self, name, mode="r", *args, **kwargs):
        if mode == "r":
            return io.BytesIO(b"x" * (1 << 20))
        return real_open(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", lying_open)
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ArchiveError, match="plus gros que déclaré"):
        extract_zip(archive, dest)
    assert (dest / "a.csv").stat().st_size <= len(b"a,b\n1,2\n")


@pytest.mark.parametrize("members, needle", [
    ({"a" * 256 + ".csv": b"x"}, "trop long"),
    ({"/".join(["d" * 200] * 25) + "/a.csv": b"x"}, "trop long"),
    ({"x.csv": b"x", "x.csv/y.csv": b"y"}, "à la fois un fichier et un dossier"),
    ({"X/": b"", "x": b"y"}, "à la fois un fichier et un dossier"),
])
def test_names_the_file_system_would_refuse_are_refused_before_writing(tmp_path, members, needle):
    archive = make_zip(tmp_path / "a.zip", {"premier.csv": b"a\n1\n", **members})
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ArchiveError, match=needle):
        extract_zip(archive, dest)
    assert not any(dest.iterdir())


def _zip_bytes(name: str, data: bytes = b"a,b\n1,2\n") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def test_a_zip_version_python_cannot_read_is_an_archive_error(tmp_path):
    """Found by bench/fuzz.py: 'version needed to extract' 12.0 made zipfile raise NotImplementedError."""
    raw = bytearray(_zip_bytes("a.csv"))
    central = raw.index(b"PK\x01\x02")
    raw[central + 6:central + 8] = (120).to_bytes(2, "little")
    path = tmp_path / "v12.zip"
    path.write_bytes(bytes(raw))
    assert is_archive(path)
    with pytest.raises(ArchiveError) as err:
        extract_zip(path, tmp_path / "out")
    assert "n'est pas une archive ZIP lisible" in str(err.value)


def test_a_local_name_that_is_not_the_utf8_its_flag_declares_is_an_archive_error(tmp_path):
    """Found by bench/fuzz.py: the local header's name is decoded as UTF-8 when the central directory says so."""
    raw = bytearray(_zip_bytes("é.csv"))
    local = raw.index("é".encode())  # the local header's copy comes first
    raw[local] = 0x9E
    path = tmp_path / "bad-name.zip"
    path.write_bytes(bytes(raw))
    (tmp_path / "out").mkdir()
    with pytest.raises(ArchiveError) as err:
        extract_zip(path, tmp_path / "out")
    assert "illisible" in str(err.value)
