"""Fetching a URL that a person typed (the self-check page, ``auditor check URL``) safely.

A URL from outside may point at the machine itself or at the internal network (SSRF). Here:

* only ``http`` and ``https``;
* every address the host name resolves to must be public, unless private addresses are
  explicitly allowed (``allow_private``, or per host with ``allowed_hosts``): loopback, private ranges, link-local (cloud
  metadata at 169.254.169.254), multicast, reserved and unspecified addresses are refused;
* the address actually connected to is checked again (a DNS answer that changes between
  the check and the connection is caught);
* redirects are followed by hand, at most ``max_redirects``, each hop checked the same way;
* the body is streamed to a temporary file and cut at ``max_bytes``; the whole download
  must finish within ``max_seconds``.

Errors are :class:`UnsafeURL` (refused) or :class:`DownloadError` (failed), with French
messages meant for the person who gave the URL.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests

from .http import DEFAULT_USER_AGENT


class UnsafeURL(Exception):
    pass


class DownloadError(Exception):
    pass


@dataclass
class Download:
    path: str  # temporary file; the caller deletes it
    url: str  # final URL after redirects
    size: int
    content_type: str | None
    filename: str | None


def check_url(url: str, *, allow_private: bool = False, allowed_hosts: frozenset[str] = frozenset()) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL(f"adresse refusée : seuls http et https sont acceptés ({parts.scheme or 'aucun schéma'})")
    host = parts.hostname
    if not host:
        raise UnsafeURL("adresse refusée : nom d'hôte manquant")
    allow_private = allow_private or host in allowed_hosts
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise DownloadError(f"nom de domaine introuvable : {host} ({exc})") from None
    for info in infos:
        _check_address(info[4][0], host, allow_private)


def _check_address(address: str, host: str, allow_private: bool) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if allow_private:
        return
    if not ip.is_global or ip.is_multicast:
        raise UnsafeURL(f"adresse refusée : {host} désigne une adresse interne ou réservée ({ip})")


def download(url: str, *, max_bytes: int = 50 * 1024 * 1024, max_seconds: float = 60.0, max_redirects: int = 5,
             allow_private: bool = False, allowed_hosts: frozenset[str] = frozenset(), directory: str | None = None,
             user_agent: str = DEFAULT_USER_AGENT) -> Download:
    deadline = time.monotonic() + max_seconds
    session = requests.Session()
    current = url
    for _hop in range(max_redirects + 1):
        check_url(current, allow_private=allow_private, allowed_hosts=allowed_hosts)
        host_ok = allow_private or urlsplit(current).hostname in allowed_hosts
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DownloadError(f"délai de {max_seconds:.0f} s dépassé")
        try:
            r = session.get(current, stream=True, allow_redirects=False, timeout=(min(10, remaining), min(30, remaining)),
                            headers={"User-Agent": user_agent})
        except requests.exceptions.SSLError as exc:
            raise DownloadError(f"erreur TLS (certificat) : {exc}") from None
        except requests.RequestException as exc:
            raise DownloadError(f"téléchargement impossible : {exc}") from None
        with r:
            peer = _peer(r)
            if peer is not None:
                _check_address(peer, urlsplit(current).hostname or "", host_ok)
            if r.is_redirect:
                location = r.headers.get("location")
                if not location:
                    raise DownloadError("redirection sans adresse")
                current = urljoin(current, location)
                continue
            if r.status_code >= 400:
                raise DownloadError(f"le serveur répond HTTP {r.status_code}")
            declared = r.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise DownloadError(f"fichier trop volumineux : {int(declared)} octets (limite {max_bytes})")
            fd, path = tempfile.mkstemp(prefix="auditor-", dir=directory)
            size = 0
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in r.iter_content(65536):
                        size += len(chunk)
                        if size > max_bytes:
                            raise DownloadError(f"fichier trop volumineux : plus de {max_bytes} octets")
                        if time.monotonic() > deadline:
                            raise DownloadError(f"délai de {max_seconds:.0f} s dépassé")
                        out.write(chunk)
            except requests.RequestException as exc:
                os.unlink(path)
                raise DownloadError(f"téléchargement interrompu : {exc}") from None
            except BaseException:
                os.unlink(path)
                raise
            return Download(path=path, url=current, size=size, content_type=r.headers.get("content-type"),
                            filename=_filename(r, current))
    raise DownloadError(f"trop de redirections (plus de {max_redirects})")


def _peer(r: requests.Response) -> str | None:
    """The address the response came from, when urllib3 lets us see it."""
    for attr in ("connection", "_connection"):
        conn = getattr(r.raw, attr, None)
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:
                return sock.getpeername()[0]
            except OSError:
                return None
    return None


def _filename(r: requests.Response, url: str) -> str | None:
    cd = r.headers.get("content-disposition", "")
    if "filename=" in cd:
        return os.path.basename(cd.split("filename=", 1)[1].strip().strip('"').split(";")[0])
    name = os.path.basename(urlsplit(url).path)
    return name or None
