"""URLs and IRIs from data: checked before they become RDF terms or links.

A link in a survey cell or an addition becomes ``rd:paperURL`` / ``rd:codeRepository`` /
``rd:referenceURL`` / ``rd:cellLink`` and, in the exports and the app, a link a reader may
follow. So it must be a web address: scheme ``http`` or ``https``, a host, and the
characters RFC 3986 allows (no space or control character, none of ``<>"{}|\\^```, every
``%`` starting a ``%XX`` escape). Letters beyond ASCII are allowed (an IRI, RFC 3987).
:func:`url_problem` says why a text is not one (a phrase: "it ..."); rdflib's own IRI
check never gets to see a bad one.

>>> url_problem("https://arxiv.org/abs/2301.13188") is None
True
>>> url_problem("javascript:alert(1)")
"has the scheme 'javascript' (only http and https are allowed)"
>>> url_problem("https://x/a}b")
"has a character not allowed in a URL: '}'"
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")

# Not allowed anywhere in a URI (RFC 3986 sec. 2; also RFC 3987's excluded characters).
_FORBIDDEN = re.compile(r'[\x00-\x20\x7f-\x9f<>"{}|\\^`\u2028\u2029\ufeff]')
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_HOST = re.compile(r"[^\s/?#@:\[\]]+|\[[0-9A-Fa-f:.]+\]")
MAX_LENGTH = 2000
# Invisible and bidirectional formatting characters: a link showing one address and opening
# another (U+202E reverses what follows); refused though RFC 3987 would percent-encode them.
_INVISIBLE = re.compile("[\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\uffa0\ufff9-\ufffb]")


def _shown(c: str) -> str:
    return repr(c) if c.isprintable() and c != " " else f"U+{ord(c):04X}" + (
        " (a space)" if c == " " else "")


def iri_problem(text: str) -> str | None:
    """Why ``text`` is not an absolute IRI (any scheme), or None when it is one."""
    if not text:
        return "is empty"
    if len(text) > MAX_LENGTH:
        return f"is longer than {MAX_LENGTH} characters"
    bad = _FORBIDDEN.search(text)
    if bad:
        return f"has a character not allowed in a URL: {_shown(bad.group(0))}"
    bad = _INVISIBLE.search(text)
    if bad:
        return ("has an invisible or text-direction character, not allowed in a URL: "
                f"{_shown(bad.group(0))}")
    if _BAD_PERCENT.search(text):
        return "has a '%' that does not start a %XX escape"
    scheme, colon, _ = text.partition(":")
    if not colon or not _SCHEME.fullmatch(scheme):
        return "has no scheme (expected an absolute URL such as https://...)"
    return None


_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
# arXiv identifiers: YYMM.NNNN from April 2007, YYMM.NNNNN from January 2015 on;
# archive(.XX)/YYMMNNN before; a version vN may follow
_ARXIV_NEW = re.compile(r"([0-9]{2})(0[1-9]|1[0-2])\.([0-9]{4,5})(?:v[0-9]+)?")
_ARXIV_OLD = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{3}"
                        r"(?:v[0-9]+)?")


def _arxiv_id(ident: str) -> bool:
    new = _ARXIV_NEW.fullmatch(ident)
    if new:
        yymm = int(new.group(1) + new.group(2))
        return yymm >= 704 and len(new.group(3)) == (5 if yymm >= 1501 else 4)
    return bool(_ARXIV_OLD.fullmatch(ident))


def arxiv_problem(host: str, path: str) -> str | None:
    """Why an arxiv.org ``/abs/`` or ``/pdf/`` link names no arXiv identifier (a typo such
    as 24O5.2038 would link a reader to nothing), or None."""
    if host.lower() not in _ARXIV_HOSTS:
        return None
    kind, _, rest = path.lstrip("/").partition("/")
    if kind not in ("abs", "pdf"):
        return None
    ident = rest.rstrip("/").removesuffix(".pdf") if kind == "pdf" else rest.rstrip("/")
    if _arxiv_id(ident):
        return None
    return (f"is an arXiv link whose identifier {ident!r} is not an arXiv identifier "
            "(YYMM.NNNNN since 2015, YYMM.NNNN from 2007, archive/YYMMNNN before)")


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a valid http(s) URL (RFC 3986, with a host), or None."""
    if not isinstance(url, str):
        return "is not text"
    scheme = url.partition(":")[0]
    if url.partition(":")[1] and _SCHEME.fullmatch(scheme) and \
            scheme.lower() not in WEB_SCHEMES:
        return f"has the scheme {scheme.lower()!r} (only http and https are allowed)"
    why = iri_problem(url)
    if why:
        return why
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        return f"does not parse as a URL ({e})"
    if parts.scheme.lower() not in WEB_SCHEMES:
        return f"has the scheme {parts.scheme.lower()!r} (only http and https are allowed)"
    if not url[len(parts.scheme) + 1:].startswith("//"):
        return "has no host (expected http(s)://host/...)"
    host = parts.netloc.rpartition("@")[2]
    host = re.sub(r":[0-9]*$", "", host) if not host.endswith("]") else host
    if not host or not _HOST.fullmatch(host):
        return "has no valid host (expected http(s)://host/...)"
    return arxiv_problem(host, parts.path)


def is_web_url(url: object) -> bool:
    """True for a valid ``http``/``https`` URL: the only kind written as a link."""
    return isinstance(url, str) and url_problem(url) is None


__all__ = ["WEB_SCHEMES", "arxiv_problem", "iri_problem", "is_web_url", "url_problem"]
