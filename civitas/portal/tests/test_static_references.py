"""Every {% static %} path in the shared and portal templates exists once the npm packages are vendored,
and collectstatic with the production manifest storage resolves every reference in the vendored CSS/JS."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

BASE_DIR = Path(django_settings.BASE_DIR)
STATIC_DIR = BASE_DIR / "static"
TEMPLATE_DIRS = [BASE_DIR / "templates", BASE_DIR / "civitas" / "portal" / "templates"]
STATIC_TAG = re.compile(r"""{%\s*static\s+(['"])(?P<path>[^'"]+)\1""")


def static_paths() -> set[str]:
    found = set()
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            found |= {m["path"] for m in STATIC_TAG.finditer(template.read_text(encoding="utf-8"))}
    return found


def test_base_template_refers_to_the_vendored_assets():
    base = {m["path"] for m in STATIC_TAG.finditer((BASE_DIR / "templates/base.html").read_text(encoding="utf-8"))}

    assert {
        "vendor/uswds/css/uswds.min.css",
        "vendor/uswds/js/uswds-init.min.js",
        "vendor/uswds/js/uswds.min.js",
        "vendor/htmx/htmx.min.js",
    } <= base


def test_every_static_path_in_the_templates_exists(vendored):
    missing = []
    for path in sorted(static_paths()):
        if path.startswith("vendor/"):
            exists = (vendored / path.removeprefix("vendor/")).is_file()
        else:
            exists = (STATIC_DIR / path).is_file()
        if not exists:
            missing.append(path)

    assert not missing, f"{{% static %}} paths with no file after vendoring: {missing}"


@pytest.mark.django_db
def test_collectstatic_with_the_manifest_storage_and_pages_use_hashed_names(vendored, tmp_path, settings, client):
    own_static = tmp_path / "static"
    shutil.copytree(STATIC_DIR, own_static, ignore=shutil.ignore_patterns("vendor"))
    settings.STATICFILES_DIRS = [own_static, ("vendor", vendored)]
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    call_command("collectstatic", interactive=False, verbosity=0)

    assert (tmp_path / "staticfiles/staticfiles.json").is_file()
    html = client.get("/").content.decode()
    assert re.search(r'/static/vendor/uswds/css/uswds\.min\.[0-9a-f]{12}\.css"', html)
    assert re.search(r'/static/vendor/htmx/htmx\.min\.[0-9a-f]{12}\.js"', html)
