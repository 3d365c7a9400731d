"""Text in XML (SVG, the sitemap): :func:`xml.sax.saxutils.escape` and
:func:`~xml.sax.saxutils.quoteattr`, byte for byte, without importing
``xml.sax.saxutils``, which imports ``urllib.request`` and with it
``http.client`` and ``ssl`` (a few milliseconds of every build)."""

from __future__ import annotations


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities, as :func:`xml.sax.saxutils.escape`."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """An XML attribute value with its quotes, as :func:`xml.sax.saxutils.quoteattr`."""
    value = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"{}"'.format(value.replace('"', "&quot;"))
