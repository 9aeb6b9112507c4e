"""``auditor serve`` that cannot start says why in one French sentence and exits 2: a busy port, a port out of
range, a data folder that cannot be created or written. Nothing is left running that would keep the process
alive (the audit scheduler starts only once the port is bound)."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest

from auditor.interfaces.cli import main


def serve(capsys, *args: str) -> tuple[int, str]:
    before = set(threading.enumerate())
    code = main(["serve", *args])
    new = set(threading.enumerate()) - before
    # nothing that keeps the process alive (waitress' idle workers, daemons, may remain), no audit scheduler
    assert not [t for t in new if not t.daemon or t.name == "scheduler"]
    return code, capsys.readouterr().err


def one_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditor serve : ") and "Traceback" not in err, err
    return lines[0]


def test_a_busy_port(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = serve(capsys, "--port", str(port), "--data-dir", str(tmp_path), "--schedule", "every 30 days")
    assert code == 2
    assert one_sentence(err) == (f"auditor serve : le port {port} est déjà utilisé sur 127.0.0.1 (par un autre auditor "
                                 "serve ou un autre service) : choisissez-en un autre avec --port, ou arrêtez celui "
                                 "qui l'occupe.")


def test_a_port_out_of_range(tmp_path, capsys):
    for port in ("99999", "-1"):
        code, err = serve(capsys, "--port", port, "--data-dir", str(tmp_path))
        assert code == 2 and "un port est un nombre de 0 à 65535" in one_sentence(err)


@pytest.mark.parametrize("where", ["file", "proc"])
def test_a_data_folder_that_cannot_be_written(tmp_path, capsys, where):
    if where == "file":
        blocker = tmp_path / "historique"
        blocker.write_text("pas un dossier")
        data_dir, words = blocker / "donnees", "est un fichier, pas un dossier"
    else:  # refused by the system only when written (even to root): /proc takes no new folder
        data_dir, words = "/proc/auditor-test/donnees", "impossible d'écrire"
    code, err = serve(capsys, "--port", "0", "--data-dir", str(data_dir))
    assert code == 2 and words in one_sentence(err)


def test_in_a_real_process(tmp_path):
    """The command as a user runs it: the sentence on stderr, exit 2, nothing else."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "auditor", "serve", "--port", str(port), "--data-dir",
                               str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert one_sentence(proc.stderr).startswith(f"auditor serve : le port {port} est déjà utilisé")
