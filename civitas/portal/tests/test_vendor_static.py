"""scripts/vendor_static.py: on a small fake node_modules (always), and on the real packages (after `npm ci`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def fake_package(node_modules: Path, name: str, version: str, files: dict[str, str]) -> None:
    write(node_modules / name / "package.json", json.dumps({"name": name, "version": version}))
    for relative, text in files.items():
        write(node_modules / name / relative, text)


@pytest.fixture
def fake_node_modules(tmp_path) -> Path:
    node_modules = tmp_path / "node_modules"
    fake_package(
        node_modules,
        "@uswds/uswds",
        "3.0.0",
        {
            "dist/css/uswds.min.css": (
                '.a{background:url("../img/usa-icons/close.svg")}'
                ".b{background:url(../img/material-icons/only-this-one.svg)}"
                "@font-face{src:url(../fonts/x/x.woff2) format('woff2')}"
                '.c{background:url("data:image/svg+xml,%3Csvg%3E")}@supports (mask:url()){.d{}}'
                "\n/*# sourceMappingURL=uswds.min.css.map */"
            ),
            "dist/css/uswds.min.css.map": "{}",
            "dist/css/uswds.css": "not copied",
            "dist/js/uswds.min.js": "uswds()\n//# sourceMappingURL=uswds.min.js.map",
            "dist/js/uswds.min.js.map": "{}",
            "dist/js/uswds-init.min.js": "init()",
            "dist/img/usa-icons/close.svg": "<svg/>",
            "dist/img/sprite.svg": "<svg/>",
            "dist/img/material-icons/only-this-one.svg": "<svg/>",
            "dist/img/material-icons/not-referenced.svg": "<svg/>",
            "dist/fonts/x/x.woff2": "font",
            "dist/scss/not-copied.scss": "",
            "LICENSE.md": "licence",
        },
    )
    fake_package(node_modules, "htmx.org", "2.0.0", {"dist/htmx.min.js": "htmx", "LICENSE": "licence"})
    fake_package(
        node_modules,
        "leaflet",
        "1.9.0",
        {
            "dist/leaflet.css": ".l{background:url(images/layers.png)}.v{behavior:url(#default#VML)}",
            "dist/leaflet.js": "L",
            "dist/images/layers.png": "png",
            "LICENSE": "licence",
        },
    )
    fake_package(node_modules, "chart.js", "4.0.0", {"dist/chart.umd.js": "Chart", "LICENSE.md": "licence"})
    return node_modules


def relative_files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def test_copies_only_the_distributed_files_with_their_relative_paths(vendor_static, fake_node_modules, tmp_path):
    dest = tmp_path / "vendor"

    written = vendor_static.vendor(fake_node_modules, dest)

    assert relative_files(dest) == {
        "uswds/css/uswds.min.css",
        "uswds/css/uswds.min.css.map",
        "uswds/js/uswds.min.js",
        "uswds/js/uswds.min.js.map",
        "uswds/js/uswds-init.min.js",
        "uswds/img/usa-icons/close.svg",
        "uswds/img/sprite.svg",
        "uswds/img/material-icons/only-this-one.svg",  # excluded folder, but the CSS refers to it
        "uswds/fonts/x/x.woff2",
        "uswds/LICENSE.md",
        "uswds/VERSION",
        "htmx/htmx.min.js",
        "htmx/LICENSE",
        "htmx/VERSION",
        "leaflet/leaflet.css",
        "leaflet/leaflet.js",
        "leaflet/images/layers.png",
        "leaflet/LICENSE",
        "leaflet/VERSION",
        "chart.js/chart.umd.js",
        "chart.js/LICENSE.md",
        "chart.js/VERSION",
    }
    assert {p.relative_to(dest).as_posix() for p in written} == relative_files(dest) - {
        f"{folder}/VERSION" for folder in ("uswds", "htmx", "leaflet", "chart.js")
    }
    assert (dest / "uswds/VERSION").read_text() == "3.0.0\n"


def test_prefers_the_minified_chart_build(vendor_static, fake_node_modules, tmp_path):
    write(fake_node_modules / "chart.js/dist/chart.umd.min.js", "min\n//# sourceMappingURL=chart.umd.min.js.map")
    write(fake_node_modules / "chart.js/dist/chart.umd.min.js.map", "{}")

    vendor_static.vendor(fake_node_modules, tmp_path / "vendor")

    assert (tmp_path / "vendor/chart.js/chart.umd.js").read_text().startswith("min")
    assert (tmp_path / "vendor/chart.js/chart.umd.min.js.map").is_file()


def test_is_idempotent_and_drops_stale_files(vendor_static, fake_node_modules, tmp_path):
    dest = tmp_path / "vendor"
    vendor_static.vendor(fake_node_modules, dest)
    first = {name: (dest / name).read_bytes() for name in relative_files(dest)}
    write(dest / "htmx/htmx-from-an-old-version.js")
    write(dest / ".copied", "")  # the Makefile's marker stays

    vendor_static.vendor(fake_node_modules, dest)

    assert {name: (dest / name).read_bytes() for name in relative_files(dest) - {".copied"}} == first
    assert (dest / ".copied").exists()


def test_missing_node_modules_is_a_clear_error(vendor_static, tmp_path, capsys):
    with pytest.raises(vendor_static.VendorError, match=r"does not exist: .*npm ci"):
        vendor_static.vendor(tmp_path / "node_modules", tmp_path / "vendor")

    code = vendor_static.main(["--node-modules", str(tmp_path / "node_modules"), "--dest", str(tmp_path / "v")])

    assert code == 1
    assert "npm ci" in capsys.readouterr().err


def test_missing_package_is_named(vendor_static, fake_node_modules, tmp_path):
    (fake_node_modules / "leaflet/package.json").unlink()

    with pytest.raises(vendor_static.VendorError, match="'leaflet' is not installed"):
        vendor_static.vendor(fake_node_modules, tmp_path / "vendor")


def test_a_stylesheet_reference_the_package_does_not_ship_is_an_error(vendor_static, fake_node_modules, tmp_path):
    write(fake_node_modules / "leaflet/dist/leaflet.css", ".l{background:url(images/missing.png)}")

    with pytest.raises(vendor_static.VendorError, match=r"refers to images/missing.png"):
        vendor_static.vendor(fake_node_modules, tmp_path / "vendor")


def test_a_reference_outside_the_package_is_refused(vendor_static, fake_node_modules, tmp_path):
    write(fake_node_modules / "leaflet/dist/leaflet.css", ".l{background:url(../../htmx.org/LICENSE)}")

    with pytest.raises(vendor_static.VendorError, match="outside the package"):
        vendor_static.vendor(fake_node_modules, tmp_path / "vendor")


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]*)['"]?\s*\)""")


def test_real_packages_vendor_every_file_the_templates_and_stylesheets_need(vendored):
    for name in (
        "uswds/css/uswds.min.css",
        "uswds/js/uswds.min.js",
        "uswds/js/uswds-init.min.js",
        "uswds/img/sprite.svg",
        "uswds/img/usa-icons/close.svg",
        "htmx/htmx.min.js",
        "leaflet/leaflet.css",
        "leaflet/leaflet.js",
        "leaflet/images/marker-icon.png",
        "leaflet/images/marker-shadow.png",
        "chart.js/chart.umd.js",
    ):
        assert (vendored / name).is_file(), name
    assert list((vendored / "uswds/fonts").rglob("*.woff2"))
    assert (
        not (vendored / "uswds/img/material-icons").exists()
        or len(list((vendored / "uswds/img/material-icons").iterdir())) < 50
    )
    for stylesheet in vendored.rglob("*.css"):
        for url in CSS_URL.findall(stylesheet.read_text(encoding="utf-8")):
            path = re.split(r"[?#]", url)[0]
            if path and not re.match(r"^[a-z]+:", path) and not path.startswith("/"):
                assert (stylesheet.parent / path).is_file(), f"{stylesheet.name} refers to missing {url}"


def test_vendored_versions_match_package_json(vendored, settings):
    package_json = json.loads((Path(settings.BASE_DIR) / "package.json").read_text())
    pinned = package_json["dependencies"]
    folders = {"@uswds/uswds": "uswds", "htmx.org": "htmx", "leaflet": "leaflet", "chart.js": "chart.js"}

    assert set(pinned) == set(folders)
    for name, version in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly, not {version!r}"
        assert (vendored / folders[name] / "VERSION").read_text().strip() == version
