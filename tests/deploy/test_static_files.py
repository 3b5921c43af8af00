"""Static files survive the production storage's post-processing (issue 9: collectstatic)."""

import json
import re

from django.core.management import call_command

MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def test_every_static_file_references_only_files_that_ship(settings, tmp_path):
    """The manifest storage rewrites each url(), @import and sourceMappingURL to a hashed name
    and fails on one naming a missing file (a source map left out of a vendored build)."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}

    call_command("collectstatic", "--noinput", verbosity=0)

    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    vendored = {name: hashed for name, hashed in paths.items() if name.startswith("vendor/")}
    assert {"vendor/chart-4.6.1.umd.min.js"} <= set(vendored)
    for name, hashed in vendored.items():
        stem, extension = name.rsplit(".", 1)
        assert re.fullmatch(rf"{re.escape(stem)}\.[0-9a-f]{{12}}\.{extension}", hashed)
