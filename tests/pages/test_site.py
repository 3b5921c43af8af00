"""What every page shares: one stylesheet, the icon and web manifest, scripts in static/js."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Pages are styled by static/css/site.css and scripted from static/js; e-mails and the PDF
# carry their own inline styles because mail clients and WeasyPrint need them there.
PAGE_TEMPLATES = sorted(
    path
    for path in TEMPLATES.rglob("*.html")
    if "email" not in path.parts and path.name != "ticket_pdf.html"
)


def test_a_page_links_one_stylesheet_the_icon_and_the_manifest(client):
    html = client.get("/").content.decode()

    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) == ["/static/css/site.css"]
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="manifest" href="/static/site.webmanifest">' in html


def test_the_manifest_names_the_app_and_its_icons_exist():
    manifest = json.loads(Path(finders.find("site.webmanifest")).read_text())

    assert (manifest["name"], manifest["start_url"], manifest["display"]) == (
        "Tickets",
        "/",
        "standalone",
    )
    assert [icon["sizes"] for icon in manifest["icons"]] == ["any", "192x192", "512x512"]
    assert all(finders.find(icon["src"]) for icon in manifest["icons"])


def test_favicon_ico_is_the_svg_icon(client):
    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (302, "/static/favicon.svg")


@pytest.mark.parametrize("path", PAGE_TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_page_templates_keep_scripts_and_styles_in_static_files(path):
    text = path.read_text()

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text) == []
    assert re.findall(r"\son[a-z]+=", text) == []
    assert re.findall(r"\sstyle=", text) == []
