"""
MkDocs hook: render the Sphinx markup our docstrings share with IDEs and Sphinx users.

Docstrings follow the house style (Napoleon sections, ``:class:`X``` roles,
``.. versionadded::``). mkdocstrings renders the sections; this hook turns what is left
of the reST into HTML: roles become code, ``.. versionadded::`` and
``.. versionchanged::`` become notes, and the ``.. code-block::`` directive line (whose
block is already rendered) disappears.
"""

from __future__ import annotations

import re

_ROLE = re.compile(r":(?:class|meth|func|attr|data|exc|mod|obj):(<code>)~?(?:[\w.]+\.)?")
_TILDE_CODE = re.compile(r"<code>~(?:[\w]+\.)*(\w+)</code>")
# One paragraph may hold several directives (added, then changed), each with its text.
_VERSIONS = re.compile(r"<p>(\.\. version(?:added|changed):: .*?)</p>", re.S)
_DIRECTIVE = re.compile(r"\.\. version(added|changed):: ([\w.]+)(.*?)(?=\.\. version|\Z)", re.S)
_CODE_BLOCK = re.compile(r"<p>\.\. code-block:: \w+</p>\s*")
_LABELS = {"added": "New in version", "changed": "Changed in version"}


def _versions(match: re.Match[str]) -> str:
    notes: list[str] = []
    for kind, version, text in _DIRECTIVE.findall(match.group(1)):
        words = " ".join(text.split())
        label = f"{_LABELS[kind]} {version}" + (":" if words else ".")
        body = f" {words}" if words else ""
        notes.append(f'<p class="version-{kind}"><em>{label}</em>{body}</p>')
    return "".join(notes)


def on_page_content(html: str, **_: object) -> str:
    """Rewrite the leftover reST in a rendered page."""
    html = _ROLE.sub(r"\1", html)
    html = _TILDE_CODE.sub(r"<code>\1</code>", html)
    html = _VERSIONS.sub(_versions, html)
    return _CODE_BLOCK.sub("", html)
