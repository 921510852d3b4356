"""Copy the front-end files Civitas needs from node_modules/ into static/vendor/.

Run after `npm ci` (the Makefile's `assets` target does both). Only distributed files are copied —
no sources, no build tool — so the app serves everything itself (WhiteNoise) and works on a
closed network. The layout keeps the relative paths the vendors' CSS relies on (USWDS's CSS
refers to ../img and ../fonts, Leaflet's to images/).

    static/vendor/uswds/css/uswds.min.css     static/vendor/uswds/js/uswds.min.js
    static/vendor/uswds/js/uswds-init.min.js  static/vendor/uswds/img/…  static/vendor/uswds/fonts/…
    static/vendor/htmx/htmx.min.js
    static/vendor/leaflet/leaflet.css         static/vendor/leaflet/leaflet.js  static/vendor/leaflet/images/…
    static/vendor/chart.js/chart.umd.js       (the minified build when the package ships one)

Each package's folder is replaced as a whole, so running the script twice gives the same tree and
files from an older version do not linger. Source maps named by a copied file are copied with it
(the manifest storage of `collectstatic` rewrites those references and fails on a missing file);
every relative url() in a copied stylesheet is checked, and copied from the package if missing.

Usage: python scripts/vendor_static.py [--node-modules DIR] [--dest DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_NODE_MODULES = BASE_DIR / "node_modules"
DEFAULT_DEST = BASE_DIR / "static" / "vendor"

# USWDS ships ~2,100 Material icons (8 MB) as separate files; the usa-icons set and sprite.svg cover
# what the design system uses, and any icon its CSS refers to is copied by the url() check anyway.
USWDS_IMG_EXCLUDE = ("material-icons", "material-icons-deprecated")

CSS_URL = re.compile(r"""url\(\s*(['"]?)(?P<url>.*?)\1\s*\)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s*['"](?P<url>.*?)['"]""", re.IGNORECASE)
SOURCE_MAP = re.compile(r"^\s*(?://|/\*)#\s*sourceMappingURL=(?P<url>\S+?)\s*(?:\*/)?\s*$", re.MULTILINE)


class VendorError(Exception):
    """Raised with a message a person can act on (missing node_modules, missing package or file)."""


@dataclass(frozen=True)
class Item:
    """One file or folder to copy: `source` inside the package, `target` inside the package's vendor folder."""

    source: str
    target: str
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Package:
    name: str  # the npm package name, as in package.json
    folder: str  # its folder under static/vendor/
    items: tuple[Item, ...]
    # Alternatives: the first existing source of each group is copied to the group's target.
    one_of: tuple[tuple[tuple[str, ...], str], ...] = field(default=())


PACKAGES: tuple[Package, ...] = (
    Package(
        name="@uswds/uswds",
        folder="uswds",
        items=(
            Item("dist/css/uswds.min.css", "css/uswds.min.css"),
            Item("dist/js/uswds.min.js", "js/uswds.min.js"),
            Item("dist/js/uswds-init.min.js", "js/uswds-init.min.js"),
            Item("dist/img", "img", exclude=USWDS_IMG_EXCLUDE),
            Item("dist/fonts", "fonts"),
            Item("LICENSE.md", "LICENSE.md"),
        ),
    ),
    Package(
        name="htmx.org",
        folder="htmx",
        items=(Item("dist/htmx.min.js", "htmx.min.js"), Item("LICENSE", "LICENSE")),
    ),
    Package(
        name="leaflet",
        folder="leaflet",
        items=(
            Item("dist/leaflet.css", "leaflet.css"),
            Item("dist/leaflet.js", "leaflet.js"),
            Item("dist/images", "images"),
            Item("LICENSE", "LICENSE"),
        ),
    ),
    Package(
        name="chart.js",
        folder="chart.js",
        items=(Item("LICENSE.md", "LICENSE.md"),),
        one_of=((("dist/chart.umd.min.js", "dist/chart.umd.js"), "chart.umd.js"),),
    ),
)


def vendor(node_modules: Path = DEFAULT_NODE_MODULES, dest: Path = DEFAULT_DEST) -> list[Path]:
    """Copy every package's files into `dest`; return the files written (sorted). Raises VendorError."""
    node_modules = Path(node_modules)
    dest = Path(dest)
    if not node_modules.is_dir():
        raise VendorError(
            f"{node_modules} does not exist: install the front-end packages first with "
            "`npm ci` (or `make assets`, which runs it and then this script)."
        )
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for package in PACKAGES:
        written += vendor_package(package, node_modules, dest)
    return sorted(written)


def vendor_package(package: Package, node_modules: Path, dest: Path) -> list[Path]:
    source_root = node_modules / package.name
    if not (source_root / "package.json").is_file():
        raise VendorError(
            f"npm package {package.name!r} is not installed in {node_modules}: is it in package.json? Run `npm ci`."
        )
    target_root = dest / package.folder
    if target_root.exists():
        shutil.rmtree(target_root)
    copies: list[tuple[Path, Path, tuple[str, ...]]] = [
        (source_root / item.source, target_root / item.target, item.exclude) for item in package.items
    ]
    for candidates, target in package.one_of:
        source = next((source_root / c for c in candidates if (source_root / c).exists()), None)
        if source is None:
            raise VendorError(f"{package.name}: none of {', '.join(candidates)} exists in {source_root}.")
        copies.append((source, target_root / target, ()))
    written: list[Path] = []
    for source, target, exclude in copies:
        written += copy_path(source, target, exclude, package.name)
    for target in list(written):
        written += copy_references(target, source_for(target, copies), (source_root, target_root), package.name)
    write_version(source_root, target_root)
    return written


def copy_path(source: Path, target: Path, exclude: tuple[str, ...], package_name: str) -> list[Path]:
    if not source.exists():
        raise VendorError(f"{package_name}: {source} is missing; has the package's layout changed?")
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*exclude) if exclude else None)
        return [p for p in target.rglob("*") if p.is_file()]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return [target]


def source_for(target: Path, copies: list[tuple[Path, Path, tuple[str, ...]]]) -> Path:
    """The package file a copied file came from."""
    for source, copied, _exclude in copies:
        if target == copied:
            return source
        if copied in target.parents:
            return source / target.relative_to(copied)
    raise AssertionError(f"{target} was not copied from the package")  # pragma: no cover


def copy_references(target: Path, source: Path, roots: tuple[Path, Path], package_name: str) -> list[Path]:
    """Copy the files a copied CSS/JS file refers to (url(), @import, source map) when not already copied.

    `roots` is (the package folder, its vendor folder): a reference may not lead outside either.
    """
    if target.suffix not in (".css", ".js"):
        return []
    text = target.read_text(encoding="utf-8")
    references = [m["url"] for m in SOURCE_MAP.finditer(text)]
    if target.suffix == ".css":
        references += [m["url"] for m in CSS_URL.finditer(text)] + [m["url"] for m in CSS_IMPORT.finditer(text)]
    written: list[Path] = []
    for reference in references:
        path = relative_path(reference)
        if path is None or (target.parent / path).is_file():
            continue
        referenced_source = Path(os.path.normpath(source.parent / path))
        referenced_target = Path(os.path.normpath(target.parent / path))
        source_root, target_root = roots
        if not (referenced_source.is_relative_to(source_root) and referenced_target.is_relative_to(target_root)):
            raise VendorError(f"{package_name}: {source.name} refers to {reference}, outside the package.")
        if not referenced_source.is_file():
            raise VendorError(f"{package_name}: {source.name} refers to {reference}, which the package does not ship.")
        referenced_target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(referenced_source, referenced_target)
        written.append(referenced_target)
        written += copy_references(referenced_target, referenced_source, roots, package_name)
    return written


def relative_path(reference: str) -> str | None:
    """The file part of a relative reference; None for data:, absolute, fragment-only or empty references."""
    reference = reference.strip()
    if not reference or reference.startswith(("#", "/")) or re.match(r"^[a-z][a-z0-9+.-]*:", reference, re.I):
        return None
    path = re.split(r"[?#]", reference, maxsplit=1)[0]
    return path or None


def write_version(source_root: Path, target_root: Path) -> None:
    """Record the vendored version next to the files (VERSION), for people and for tests."""
    version = json.loads((source_root / "package.json").read_text(encoding="utf-8"))["version"]
    (target_root / "VERSION").write_text(version + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, default=DEFAULT_NODE_MODULES)
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args(argv)
    try:
        written = vendor(args.node_modules, args.dest)
    except VendorError as error:
        print(f"vendor_static: {error}", file=sys.stderr)
        return 1
    print(f"vendor_static: {len(written)} files in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
