"""The templates, the static files and the page security policy of the HTML report.

Pages are rendered by Jinja2 with autoescaping on for every template: a value from a run
(statement, diff, test output, transcript) is text wherever it lands. Data the scripts need goes
in a ``<script type="application/json">`` block (:func:`json_block`): JSON with ``<``, ``>`` and
``&`` escaped, which the browser never runs and the script reads with ``JSON.parse``. The only
script is ``static/report.js``, loaded from the report's own folder; the policy below forbids
inline script, inline style attributes and any load from elsewhere.
"""

from __future__ import annotations

import base64
import json
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'none'; font-src 'none'; object-src 'none'; media-src 'none'; "
    "frame-src 'none'; base-uri 'none'; form-action 'none'"
)
"""The Content-Security-Policy of every page (a meta tag, and a header from ``proctor view``)."""
STATIC = ("report.css", "report.js")

_ENV = Environment(
    loader=PackageLoader("proctor.report.html", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def json_block(data: Any) -> Markup:
    """``data`` as JSON that is safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # escaped above for a script data block


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI for an ``<img>``, where no script in it can ever run."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


_ENV.filters["json_block"] = json_block
_ENV.globals["csp"] = CSP


def render_page(template: str, path: Path, **context: Any) -> Path:
    """Render ``template`` with ``context`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_ENV.get_template(template).render(**context), encoding="utf-8")
    return path


def copy_static(out: Path) -> None:
    """Write the report's script and style sheet into ``out/static``."""
    folder = out / "static"
    folder.mkdir(parents=True, exist_ok=True)
    package = resources.files("proctor.report.html").joinpath("static")
    for name in STATIC:
        (folder / name).write_text(package.joinpath(name).read_text("utf-8"), encoding="utf-8")
