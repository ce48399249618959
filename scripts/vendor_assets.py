"""Fetch the pinned front-end libraries the pages use into ``src/bluehelmet/web/static/vendor/``.

The files are committed, so the application works with no internet; run this only to refresh
them or to change a version (edit ``PINNED``, run, review the diff, commit)::

    python scripts/vendor_assets.py            # fetch every pinned package with `npm pack`
    python scripts/vendor_assets.py --check    # exit 1 if a vendored file differs from the package

Each package is fetched with ``npm pack NAME@VERSION`` (the registry's own tarball, checked
against its integrity hash by npm), and only the files the pages load are copied, with the
package's licence beside them.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PINNED", "VENDOR", "Package", "fetch", "main"]

VENDOR = Path(__file__).resolve().parents[1] / "src" / "bluehelmet" / "web" / "static" / "vendor"


@dataclass(frozen=True)
class Package:
    """An npm package, its pinned version, and the files kept (path in the package -> path in vendor/)."""

    name: str
    version: str
    files: dict[str, str]


PINNED = (
    Package(
        "leaflet",
        "1.9.4",
        {
            "dist/leaflet.js": "leaflet/leaflet.js",
            "dist/leaflet.css": "leaflet/leaflet.css",
            "dist/images/layers.png": "leaflet/images/layers.png",
            "dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
            "dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
            "LICENSE": "leaflet/LICENSE",
        },
    ),
    Package("htmx.org", "2.0.11", {"dist/htmx.min.js": "htmx/htmx.min.js", "LICENSE": "htmx/LICENSE"}),
    Package(
        "chart.js",
        "4.6.1",
        {"dist/chart.umd.min.js": "chartjs/chart.umd.min.js", "LICENSE.md": "chartjs/LICENSE.md"},
    ),
)


def _unpack(package: Package, work: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch the pinned packages")
    spec = f"{package.name}@{package.version}"
    subprocess.run([npm, "pack", "--silent", spec], cwd=work, check=True, capture_output=True)  # noqa: S603 - pinned names
    (tarball,) = work.glob("*.tgz")
    target = work / "unpacked"
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    tarball.unlink()
    return target / "package"


def fetch(package: Package, *, check: bool = False) -> list[str]:
    """Copy the package's files into vendor/ (or, with ``check``, name those that differ)."""
    differ = []
    with tempfile.TemporaryDirectory() as tmp:
        root = _unpack(package, Path(tmp))
        for source, target in package.files.items():
            given, kept = root / source, VENDOR / target
            if check:
                if not kept.exists() or kept.read_bytes() != given.read_bytes():
                    differ.append(target)
                continue
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(given, kept)
        if not check:
            (VENDOR / Path(next(iter(package.files.values()))).parts[0] / "VERSION").write_text(
                f"{package.name}@{package.version}\n"
            )
    return differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of copying")
    args = parser.parse_args(argv)
    differ = [f for p in PINNED for f in fetch(p, check=args.check)]
    for name in differ:
        print(f"differs from the pinned package: {name}")
    if not args.check:
        print(f"vendored {', '.join(f'{p.name}@{p.version}' for p in PINNED)} into {VENDOR}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
