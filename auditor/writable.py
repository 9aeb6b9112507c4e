"""Whether an output file or folder can be written, said in one French sentence, so that a command refuses
a path it cannot write before doing its work (exit 2), never with a traceback after it."""
from __future__ import annotations

import errno
import os
from pathlib import Path


def file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why the file ``path`` cannot be written (created or replaced), or None."""
    path = Path(path)
    if path.is_dir():
        return f"« {path} » est un dossier : donnez le chemin d'un fichier."
    folder = path.parent
    if not folder.is_dir():
        return f"impossible d'écrire « {path} » : le dossier « {folder} » n'existe pas."
    if not os.access(path if path.exists() else folder, os.W_OK):
        where = f"le fichier « {path} »" if path.exists() else f"le dossier « {folder} »"
        return f"impossible d'écrire « {path} » : {where} n'est pas accessible en écriture."
    return None


def folder_problem(folder: str | os.PathLike[str]) -> str | None:
    """Why ``folder`` cannot be created (when missing) and written in, or None; nothing is created."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        return f"« {folder} » n'est pas un dossier."
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None:
        return f"impossible de créer le dossier « {folder} »."
    if not existing.is_dir():
        return f"impossible de créer le dossier « {folder} » : « {existing} » est un fichier, pas un dossier."
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"impossible d'écrire dans le dossier « {folder} » : « {existing} » n'est pas accessible en écriture."
    return None


def os_error_sentence(exc: OSError, path: str | os.PathLike[str]) -> str:
    """An ``OSError`` met while writing ``path`` as one French sentence."""
    reasons = {errno.ENOSPC: "le disque est plein", errno.EACCES: "accès refusé", errno.EPERM: "accès refusé",
               errno.EROFS: "le système de fichiers est en lecture seule", errno.ENOENT: "le dossier n'existe pas",
               errno.EISDIR: "c'est un dossier", errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
               errno.EDQUOT: "le quota disque est atteint"}
    return f"impossible d'écrire « {path} » : {reasons.get(exc.errno, exc.strerror or str(exc))}."
