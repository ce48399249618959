"""Build the geography package's shipped data from the public sources in ../shared/data.

    .venv/bin/python scripts/build_gazetteer.py           # writes the two files below
    .venv/bin/python scripts/build_gazetteer.py --check   # exit 1 if they are out of date

Writes src/bluehelmet/geography/data/admin1.geojson (Natural Earth's admin-1 regions of Mali,
properties cut down to names and codes, coordinates rounded to 1e-6 degree, about 0.1 m) and
gazetteer.csv (GeoNames cities500 towns of Mali plus every place S/2021/520 names), folding in the
hand-kept spellings of data/variants.yaml. The output is deterministic: the same inputs give the
same bytes, which is what lets a test compare the shipped files with a fresh build.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import shapely
import yaml
from shapely.geometry import Point, shape

from bluehelmet.geography.names import normalise

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GEONAMES = SHARED / "data" / "gazetteer-mali" / "geonames_cities500_ML.tsv"
LETTER_PLACES = SHARED / "data" / "gazetteer-mali" / "letter_places.csv"
LETTER_TEXT = SHARED / "seed" / "S-2021-520.txt"
NATURAL_EARTH = SHARED / "data" / "naturalearth-admin1-mali" / "ne_10m_admin_1_states_provinces_mali.geojson"
OUT = ROOT / "src" / "bluehelmet" / "geography" / "data"

COLUMNS = [
    "name",
    "variants",
    "latitude",
    "longitude",
    "admin1",
    "admin2",
    "kind",
    "geonames_id",
    "source",
    "coordinate_from",
]

# GeoNames admin1CodesASCII for ML. The two eight-digit codes are the regions set up in 2016.
GEONAMES_ADMIN1 = {
    "01": "Bamako",
    "03": "Kayes",
    "04": "Mopti",
    "05": "Ségou",
    "06": "Sikasso",
    "07": "Koulikoro",
    "08": "Tombouctou",
    "09": "Gao",
    "10": "Kidal",
    "12070575": "Taoudénit",
    "12070577": "Ménaka",
}
# GeoNames admin2Codes (cercles) for the codes the cities500 rows of Mali use.
GEONAMES_ADMIN2 = {
    "7670554": "Koutiala",
    "7701202": "Ségou",
    "7701473": "Diré",
    "7701496": "Bla",
    "7701501": "Kita",
    "7701503": "Koulikoro",
    "8631514": "Niono",
    "8631515": "Macina",
    "8631538": "Ansongo",
    "8631539": "Ménaka",
}
# GeoNames rows whose admin1 code contradicts their own coordinate; the coordinate wins.
ADMIN1_CORRECTIONS = {
    # Figuira-Toma is coded 01 (Bamako district) but lies 80 km south of Bamako, in Kangaba cercle.
    "11477144": "Koulikoro",
}
# Natural Earth gives Sikasso the French and English name "Wassoulou", a cultural area that also
# covers parts of Koulikoro region and Guinea: as a spelling of Sikasso it would mislead.
NE_NAMES_REFUSED = {"wassoulou"}
NE_NAME_FIELDS = ["name_fr", "name_en", "woe_name", "gns_name", "gn_name"]
SEATS = {"PPLC", "PPLA", "PPLA2"}
TOWN_POPULATION = 5000  # a rough line between town and village where GeoNames has a population


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def distinct(name: str, spellings: list[str]) -> list[str]:
    """Spellings that normalise differently from the name and from each other, first one kept."""
    seen = {normalise(name)}
    kept = []
    for spelling in spellings:
        key = normalise(spelling)
        if key and key not in seen:
            seen.add(key)
            kept.append(spelling.strip())
    return kept


def useful_alternate(alternate: str) -> bool:
    """Whether a GeoNames alternate name is a Latin-script spelling someone might write."""
    if not alternate or any(ch.isdigit() for ch in alternate) or " - " in alternate:
        return False
    if re.fullmatch(r"[A-Z]{3,4}", alternate):  # IATA and ICAO airport codes
        return False
    letters = [ch for ch in alternate if ch.isalpha()]
    if not all("LATIN" in unicodedata.name(ch, "") for ch in letters):
        return False
    # All-lower-case entries are GeoNames' romanised search keys of Arabic, Chinese or Greek
    # names ("mei na ka", "tmbktw"): nobody in the field writes those.
    return alternate != alternate.lower()


def geonames_kind(row: dict[str, str]) -> str:
    population = int(row["population"] or 0)
    return "town" if row["feature_code"] in SEATS or population >= TOWN_POPULATION else "village"


def letter_spellings(text: str) -> dict[str, str]:
    """Each capitalised word of the letter by its normalised form, as the letter first writes it."""
    spellings: dict[str, str] = {}
    for word in re.findall(r"[\w'\u2019-]+", text):
        if word[0].isupper():
            spellings.setdefault(normalise(word), word)
    return spellings


def build_places(variants: dict[str, Any]) -> list[dict[str, str]]:
    geonames = read_tsv(GEONAMES)
    by_id = {row["geonameid"]: row for row in geonames}
    in_letter = letter_spellings(LETTER_TEXT.read_text(encoding="utf-8"))
    admin1_names = {normalise(name): name for name in GEONAMES_ADMIN1.values()}
    places: list[dict[str, str]] = []
    spellings: dict[int, list[str]] = {}
    used: set[str] = set()

    for row in read_csv(LETTER_PLACES):
        linked = by_id.get(row["geonames_id"]) if row["geonames_id"] else None
        name = in_letter.get(normalise(row["letter_name"])) or (linked or {}).get("name") or row["letter_name"]
        place = {
            "name": name,
            "latitude": linked["latitude"] if linked else row["latitude"],
            "longitude": linked["longitude"] if linked else row["longitude"],
            "admin1": admin1_names.get(normalise(row["admin1"]), row["admin1"]),
            "admin2": row["admin2"],
            "kind": geonames_kind(linked) if linked else "village",
            "geonames_id": row["geonames_id"],
            "source": "letter",
            "coordinate_from": "GeoNames cities500" if linked else row["coordinate_from"],
        }
        spellings[len(places)] = [row["letter_name"]] + (geonames_spellings(linked) if linked else [])
        places.append(place)
        used.add(row["geonames_id"])

    for row in sorted(geonames, key=lambda r: (normalise(r["name"]), r["geonameid"])):
        if row["geonameid"] in used:
            continue
        admin2 = GEONAMES_ADMIN2.get(row["admin2_code"], row["name"] if row["feature_code"] == "PPLA2" else "")
        spellings[len(places)] = geonames_spellings(row)
        places.append(
            {
                "name": row["name"],
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "admin1": ADMIN1_CORRECTIONS.get(row["geonameid"], GEONAMES_ADMIN1[row["admin1_code"]]),
                "admin2": admin2,
                "kind": geonames_kind(row),
                "geonames_id": row["geonameid"],
                "source": "geonames",
                "coordinate_from": "GeoNames cities500",
            }
        )

    # Letter spellings of the cercles ("Niafunke") take the accents of their seat town.
    seats = {normalise(p["name"]): p["name"] for p in places if p["kind"] == "town"}
    for place in places:
        place["admin2"] = seats.get(normalise(place["admin2"]), place["admin2"])

    index = {normalise(p["name"]): i for i, p in enumerate(places)}
    for name, given in variants["places"].items():
        entry = given or {}
        i = index.get(normalise(name))
        if i is None:
            if not entry.get("admin1"):
                sys.exit(f"variants.yaml: {name} is in no source; give its admin1 to add it")
            i = len(places)
            places.append(dict.fromkeys(COLUMNS[2:], "") | {"name": name, "admin1": entry["admin1"]})
            places[i].update(source="field", kind="village")
        if entry.get("kind"):
            places[i]["kind"] = entry["kind"]
        spellings[i] = list(entry.get("variants") or []) + spellings.get(i, [])

    for i, place in enumerate(places):
        place["variants"] = "|".join(distinct(place["name"], spellings.get(i, [])))
    return places


def geonames_spellings(row: dict[str, str]) -> list[str]:
    alternates = [a for a in row["alternatenames"].split(",") if useful_alternate(a)]
    return [row["name"], row["asciiname"], *alternates]


def render_csv(places: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(places)
    return out.getvalue()


def rounded(coordinates: Any) -> Any:
    if isinstance(coordinates, float | int):
        return round(float(coordinates), 6)
    return [rounded(c) for c in coordinates]


def build_admin1(variants: dict[str, Any]) -> dict[str, Any]:
    source = json.loads(NATURAL_EARTH.read_text(encoding="utf-8"))
    features: list[dict[str, Any]] = []
    for feature in source["features"]:
        props = feature["properties"]
        names = [props[field] or "" for field in NE_NAME_FIELDS] + (props["name_alt"] or "").split("|")
        # Natural Earth's name_alt for Timbuktu holds a mis-decoded "Timbuct\x9d": drop any name
        # with a control character rather than ship mojibake.
        names = [n for n in names if not any(unicodedata.category(ch) == "Cc" for ch in n)]
        names = [n for n in names if normalise(n) not in NE_NAMES_REFUSED]
        names = list(variants["regions"].get(props["name"], [])) + names
        geometry = {"type": feature["geometry"]["type"], "coordinates": rounded(feature["geometry"]["coordinates"])}
        if not shape(geometry).is_valid:
            sys.exit(f"rounding made {props['name']} invalid")
        properties = {
            "name": props["name"],
            "iso_3166_2": props["iso_3166_2"],
            "alt_names": distinct(props["name"], names),
            "later_regions": [],
        }
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})

    towns = {normalise(row["name"]): row for row in read_tsv(GEONAMES)}
    for region, entry in variants["later_regions"].items():
        seat = towns[normalise(entry["seat"])]
        point = Point(float(seat["longitude"]), float(seat["latitude"]))
        (home,) = [f for f in features if shapely.intersects(shape(f["geometry"]), point)]
        later = {"name": region, "alt_names": distinct(region, list(entry.get("variants") or [])), "seat": seat["name"]}
        home["properties"]["later_regions"].append(later)

    return {
        "type": "FeatureCollection",
        "country_iso3": "MLI",
        "source": "Natural Earth 1:10m Admin-1 states and provinces (public domain), pre-2016 frame",
        "features": features,
    }


def render_json(collection: dict[str, Any]) -> str:
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def outputs() -> dict[Path, str]:
    """What the build writes, by path: the function a test calls to compare with the shipped files."""
    variants = yaml.safe_load((OUT / "variants.yaml").read_text(encoding="utf-8"))
    return {
        OUT / "admin1.geojson": render_json(build_admin1(variants)),
        OUT / "gazetteer.csv": render_csv(build_places(variants)),
    }


def main(argv: list[str]) -> int:
    stale = []
    for path, text in outputs().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({len(text.encode()):,} bytes)")
    if "--check" in argv and stale:
        print("out of date: " + ", ".join(str(p.relative_to(ROOT)) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
