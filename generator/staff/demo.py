"""`python -m generator demo`: a deterministic, entirely fictional data package.

Scales: `tiny` (20 deputies, every table non-empty), `county` (the bulletin's county: 1,335
deputies, 51 liaison stations, 7 five-level joint groups), `city` (11 such counties, ~15,000
deputies) and `province` (98 counties, ~130,000).

Determinism: each county has its own `random.Random`, seeded from (seed, city, county), and
nothing reads the clock or global random state, so a seed always gives byte-identical files.
Memory: rows are written county by county, so only one county is held at a time.

The descriptor and rules file are read (into memory, before anything is written) from the
source tree's `data/`, so `--out data` may safely regenerate the package in place.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..schedule import term_year
from . import demo_text as T
from .demo_photos import photo_bytes
from .safe_write import replace_files

AS_OF = dt.date(2026, 11, 20)  # the demo's "data as of" date (x-data-date)
# placeholder photos (staff/demo_photos.py: drawn, saved with EXIF/GPS the site must strip) for
# the first grassroots county or township deputies written (issue 14)
DEMO_PHOTOS = 6
# search_synonyms (optional table): words people type → what the site says (docs/search.md)
SEARCH_SYNONYMS = [
    ("述职", "报告履职"),
    ("联系电话", "办公电话"),
    ("联系电话", "联络站"),
    ("代表之家", "联络站"),
    ("联系点", "联络站"),
    ("提案", "议案"),
    ("提案", "建议"),
    ("回复", "答复"),
    ("医疗保险", "医保"),
    ("自来水", "饮水"),
    ("养老院", "敬老院"),
    ("垃圾处理", "垃圾收运"),
    ("电梯加装", "加装电梯"),
    ("村委会", "村民委员会"),
]
LAST_DAY = AS_OF - dt.timedelta(days=1)  # nothing in the demo happens on or after AS_OF
ACTIVITY_YEARS = (2023, 2024, 2025, 2026)
CONTACT_YEARS = (2022, 2023, 2024, 2025, 2026)
TERM_END = dt.date(2026, 12, 31)
SOURCE_DATA = Path(__file__).resolve().parents[2] / "data"
NUM_ZH = "一二三四五六七八九十"


@dataclass(frozen=True)
class CountySpec:
    townships: int
    villages: tuple[int, int]  # villages per township (min, max), communities extra
    national: int  # persons with a national mandate
    provincial: int
    prov_also_county: int  # provincial deputies who are also county deputies
    city: int
    city_officials: int
    city_also_county: int
    county_seats: int
    county_also_township: int
    township_seats: int  # township mandates, by-election replacements included
    replacements: int  # township by-elections (a new person replaces one who left)
    joint_groups: int
    groups_per_township: int
    thematic_groups: int
    joint_township_members: int  # township deputies in each joint group
    village_stations: int
    activities_2023: int  # group activities in 2023 (the bulletin: 650)
    suggestions: int
    contacts_2023: tuple[int, int, int, int]  # visited, received, opinions, resolved
    received_2023: int  # people received at station reception days in 2023
    missing_mix_groups: int
    reception_every: int = 1  # months between reception days (doubled at village stations)

    @property
    def persons(self) -> int:
        return (
            self.national
            + self.provincial
            + self.city
            + self.county_seats
            - self.prov_also_county
            - self.city_also_county
            + self.township_seats
            - self.county_also_township
        )


# 1 + 3 + 26 + (205 - 1 - 8) + (1169 - 60) = 1,335 persons, as in the bulletin.
COUNTY = CountySpec(
    townships=14,
    villages=(11, 17),
    national=1,
    provincial=3,
    prov_also_county=1,
    city=26,
    city_officials=10,
    city_also_county=8,
    county_seats=205,
    county_also_township=60,
    township_seats=1169,
    replacements=10,
    joint_groups=7,
    groups_per_township=5,
    thematic_groups=2,
    joint_township_members=5,
    village_stations=36,
    activities_2023=650,
    suggestions=330,
    contacts_2023=(23000, 2300, 723, 3251),
    received_2023=2300,
    missing_mix_groups=2,
)
TINY = CountySpec(
    townships=2,
    villages=(2, 2),
    national=1,
    provincial=1,
    prov_also_county=0,
    city=2,
    city_officials=1,
    city_also_county=1,
    county_seats=6,
    county_also_township=2,
    township_seats=13,
    replacements=1,
    joint_groups=1,
    groups_per_township=1,
    thematic_groups=0,
    joint_township_members=1,
    village_stations=0,
    activities_2023=8,
    suggestions=8,
    contacts_2023=(345, 34, 11, 49),
    received_2023=34,
    missing_mix_groups=1,
    reception_every=3,
)
# scale → (cities, counties per city, county spec, id width)
SCALES = {
    "tiny": (1, 1, TINY, 4),
    "county": (1, 1, COUNTY, 4),
    "city": (1, 11, COUNTY, 5),
    "province": (14, 7, COUNTY, 6),
}


# --- small helpers -----------------------------------------------------------------------


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` exactly (largest remainder, ties by index)."""
    if not weights:
        return []
    w = sum(weights)
    raw = [total * x / w for x in weights] if w else [0.0] * len(weights)
    base = [int(x) for x in raw]
    rest = total - sum(base)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return base


def chunks(items: list, n: int) -> list[list]:
    """Split a list into n contiguous, nearly equal parts."""
    sizes = apportion(len(items), [1.0] * n)
    out, i = [], 0
    for s in sizes:
        out.append(items[i : i + s])
        i += s
    return out


def weekday(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A random working day in [lo, hi] (falls back to any day when the range has none)."""
    span = (hi - lo).days
    for _ in range(10):
        d = lo + dt.timedelta(days=rng.randint(0, max(span, 0)))
        if d.weekday() < 5:
            return d
    return lo + dt.timedelta(days=rng.randint(0, max(span, 0)))


def pick(rng: random.Random, weighted: list[tuple]) -> object:
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for v, w in weighted:
        x -= w
        if x < 0:
            return v
    return weighted[-1][0]


def zh_num(n: int) -> str:
    """1–999 in Chinese numerals (十一, 二十, 一百零五)."""
    if n >= 100:
        h, r = divmod(n, 100)
        return (
            NUM_ZH[h - 1]
            + "百"
            + ("" if r == 0 else ("零" + NUM_ZH[r - 1] if r < 10 else ("一" + zh_num(r) if r < 20 else zh_num(r))))
        )
    if n <= 10:
        return NUM_ZH[n - 1]
    if n < 20:
        return "十" + NUM_ZH[n - 11]
    tens, ones = divmod(n, 10)
    return NUM_ZH[tens - 1] + "十" + (NUM_ZH[ones - 1] if ones else "")


class Congress:
    __slots__ = ("id", "name", "jurisdiction", "area_id", "level", "term", "start_date", "end_date", "sessions")

    def __init__(self, id, name, jurisdiction, area_id, level, term, start, end, sessions):
        self.id, self.name, self.jurisdiction, self.area_id = id, name, jurisdiction, area_id
        self.level, self.term, self.start_date, self.end_date = level, term, start, end
        self.sessions = sessions  # year → first day of that year's session

    def row(self) -> dict:
        return dict(
            id=self.id,
            name=self.name,
            jurisdiction=self.jurisdiction,
            area_id=self.area_id,
            level=self.level,
            term=self.term,
            start_date=self.start_date,
            end_date=self.end_date,
        )


class Person:
    __slots__ = (
        "id",
        "name",
        "gender",
        "ethnicity",
        "party",
        "occupation",
        "birth",
        "edu",
        "town",
        "village",
        "official",
        "re_elected",
        "diligence",
        "mandates",
        "private",
        "groups",
        "stations",
        "weight",
    )

    def __init__(self):
        self.mandates: list[Mandate] = []
        self.groups: list[tuple] = []  # (group, role)
        self.stations: list = []
        self.private = None


class Mandate:
    __slots__ = ("id", "person", "congress", "constituency", "post", "start", "end", "end_reason", "replacement")

    def __init__(self, person, congress, constituency, start, post=""):
        self.person, self.congress, self.constituency, self.start, self.post = (
            person,
            congress,
            constituency,
            start,
            post,
        )
        self.end = None
        self.end_reason = None
        self.replacement = False
        self.id = ""

    @property
    def level(self) -> str:
        return self.congress.level

    def active(self, d: dt.date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


class Group:
    __slots__ = ("id", "name", "kind", "congress", "area_id", "founding", "members", "themes", "station", "town")

    def __init__(self, name, kind, congress, area_id, founding, town=None):
        self.name, self.kind, self.congress, self.area_id, self.founding = name, kind, congress, area_id, founding
        self.members: list[list] = []  # [person, role, start, end]
        self.themes: dict[int, list[str]] = {}
        self.station = None
        self.town = town
        self.id = ""


class Station:
    __slots__ = ("id", "name", "area_id", "address", "hours", "phone", "founding", "members", "weight", "town")

    def __init__(self):
        self.members: list[list] = []  # [person, start, end]


# --- writing ------------------------------------------------------------------------------


def _cell(v) -> str:
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


class Writer:
    """One CSV writer per table named in the descriptor, columns in descriptor order."""

    def __init__(self, out: Path, resources: list[dict]):
        self.out = out
        self.files, self.writers, self.fields, self.counts = {}, {}, {}, {}
        for r in resources:
            name = r["name"]
            fields = [f["name"] for f in (r.get("schema") or {}).get("fields", [])]
            fh = (out / r["path"]).open("w", encoding="utf-8", newline="")
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(fields)
            self.files[name], self.writers[name], self.fields[name], self.counts[name] = fh, w, fields, 0

    def row(self, table: str, d: dict) -> None:
        w = self.writers.get(table)
        if w is None:
            return
        w.writerow([_cell(d.get(f)) for f in self.fields[table]])
        self.counts[table] += 1

    def tuples(self, table: str, rows: list[tuple]) -> None:
        w = self.writers.get(table)
        if w is None:
            return
        w.writerows(rows)
        self.counts[table] += len(rows)

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


# --- the generator ------------------------------------------------------------------------


class Demo:
    def __init__(self, scale: str, seed: int, out: Path, resources: list[dict]):
        self.n_cities, self.n_counties, self.spec, self.width = SCALES[scale]
        self.scale, self.seed, self.out = scale, seed, out
        self.w = Writer(out, resources)
        self.photos_left = DEMO_PHOTOS
        self.next = {}
        self.top_rng = random.Random(f"demo:{seed}:top")

    def new_id(self, prefix: str, extra: int = 0) -> str:
        n = self.next.get(prefix, 0) + 1
        self.next[prefix] = n
        return f"{prefix}{n:0{self.width + extra}d}"

    # names of places, unique inside their parent
    def place_name(self, rng, first, second, suffix, used: set, fixed: list | None = None, i: int = 0) -> str:
        if fixed and i < len(fixed):
            used.add(fixed[i])
            return fixed[i]
        for _ in range(200):
            n = rng.choice(first) + rng.choice(second) + suffix
            if n not in used:
                used.add(n)
                return n
        n = f"{rng.choice(first)}{rng.choice(second)}{len(used)}{suffix}"
        used.add(n)
        return n

    def run(self) -> None:
        rng = self.top_rng
        sp = self.spec
        self.province_area = self.new_id("ar")
        for term, synonym in SEARCH_SYNONYMS:  # once per package, not once per county
            self.w.row("search_synonyms", dict(term=term, synonym=synonym))
        self.w.row(
            "areas", dict(id=self.province_area, name=T.PROVINCE_NAME, classification="province", parent_id=None)
        )
        self.national = Congress(
            "npc-14",
            "第十四届全国人民代表大会",
            "全国",
            None,
            "national",
            14,
            dt.date(2023, 3, 5),
            dt.date(2028, 3, 4),
            {y: dt.date(y, 3, 5) for y in range(2023, 2027)},
        )
        self.provincial = Congress(
            "prov-14",
            f"{T.PROVINCE_NAME}第十四届人民代表大会",
            T.PROVINCE_NAME,
            self.province_area,
            "provincial",
            14,
            dt.date(2023, 1, 13),
            dt.date(2028, 1, 12),
            {
                2023: dt.date(2023, 1, 13),
                2024: dt.date(2024, 1, 22),
                2025: dt.date(2025, 1, 20),
                2026: dt.date(2026, 1, 19),
            },
        )
        for c in (self.national, self.provincial):
            self.w.row("congresses", c.row())
        total_counties = self.n_cities * self.n_counties
        self.k_national = self.new_id("k")
        self.w.row(
            "constituencies",
            dict(
                id=self.k_national,
                congress_id=self.national.id,
                name=f"{T.PROVINCE_NAME}人民代表大会",
                kind="electing_unit",
                seats=total_counties * sp.national,
            ),
        )
        self.w.row("constituency_areas", dict(constituency_id=self.k_national, area_id=self.province_area))
        used_city, used_county = set(), set()
        for ci in range(self.n_cities):
            city_name = self.place_name(rng, T.PLACE_FIRST, T.PLACE_SECOND, "市", used_city, T.CITY_NAMES, ci)
            city_area = self.new_id("ar")
            self.w.row("areas", dict(id=city_area, name=city_name, classification="city", parent_id=self.province_area))
            start = dt.date(2022, 1, 12)
            city = Congress(
                f"city{ci + 1:02d}-09",
                f"{city_name}第九届人民代表大会",
                city_name,
                city_area,
                "city",
                9,
                start,
                TERM_END,
                {
                    y: (start if y == 2022 else weekday(rng, dt.date(y, 1, 8), dt.date(y, 1, 20)))
                    for y in range(2022, 2027)
                },
            )
            self.w.row("congresses", city.row())
            k_prov = self.new_id("k")
            self.w.row(
                "constituencies",
                dict(
                    id=k_prov,
                    congress_id=self.provincial.id,
                    name=f"{city_name}人民代表大会",
                    kind="electing_unit",
                    seats=self.n_counties * sp.provincial,
                ),
            )
            self.w.row("constituency_areas", dict(constituency_id=k_prov, area_id=city_area))
            phone_code = f"07{40 + ci:02d}" if self.n_cities > 1 else "0739"
            for ki in range(self.n_counties):
                idx = ci * self.n_counties + ki
                name = self.place_name(
                    rng, T.PLACE_FIRST, T.PLACE_SECOND, rng.choice("县县县区"), used_county, T.COUNTY_NAMES, idx
                )
                County(
                    self,
                    random.Random(f"demo:{self.seed}:{ci}:{ki}"),
                    idx,
                    name,
                    city_name,
                    city_area,
                    city,
                    k_prov,
                    phone_code,
                ).run()
        self.w.close()


class County:
    """One county: geography, deputies, groups, stations, activities, suggestions, reports."""

    def __init__(
        self,
        demo: Demo,
        rng: random.Random,
        idx: int,
        name: str,
        city_name: str,
        city_area: str,
        city: Congress,
        k_prov: str,
        phone_code: str,
    ):
        self.d, self.rng, self.idx, self.name = demo, rng, idx, name
        # texts and 满意度 draw from their own stream, so varying them leaves the people, places
        # and dates drawn from `rng` as they were
        self.trng = random.Random(f"demo:{demo.seed}:{idx}:{name}:text")
        self.cs = name[-1]  # 县 / 区
        self.city_name, self.city_area, self.city, self.k_prov = city_name, city_area, city, k_prov
        self.sp = demo.spec
        self.phone_code = phone_code
        self.persons: list[Person] = []
        self.mandates: list[Mandate] = []
        self.used_names: set[str] = set()
        self.rows: dict[str, list[dict]] = {}

    def out(self, table: str, **kw) -> None:
        self.rows.setdefault(table, []).append(kw)

    # --- geography ---------------------------------------------------------------------
    def geography(self) -> None:
        rng, sp = self.rng, self.sp
        self.area = self.d.new_id("ar")
        self.out("areas", id=self.area, name=self.name, classification="county", parent_id=self.city_area)
        used: set[str] = set()
        self.towns = []
        for t in range(sp.townships):
            suffix = "镇" if t == 0 or rng.random() < 0.75 else "乡"
            tname = self.d.place_name(rng, T.TOWN_FIRST, T.TOWN_SECOND, suffix, used)
            town = dict(
                i=t,
                name=tname,
                head=suffix + "长",
                area=self.d.new_id("ar"),
                weight=2.0 if t == 0 else rng.uniform(0.6, 1.5),
                villages=[],
            )
            self.out("areas", id=town["area"], name=tname, classification="township", parent_id=self.area)
            n_comm = (
                (3 if sp.townships > 2 else 1) if t == 0 else (rng.choice([0, 0, 1, 1, 2]) if sp.townships > 2 else 0)
            )
            n_vil = rng.randint(*sp.villages)
            for v in range(n_comm + n_vil):
                if v < n_comm:
                    vname = self.d.place_name(rng, T.COMMUNITY_NAMES, [""], "社区", used)
                    cls = "community"
                else:
                    vname = self.d.place_name(rng, T.VILLAGE_FIRST, T.VILLAGE_SECOND, "村", used)
                    cls = "village"
                vil = dict(name=vname, area=self.d.new_id("ar"), cls=cls, town=town, weight=rng.uniform(0.5, 1.5))
                self.out("areas", id=vil["area"], name=vname, classification=cls, parent_id=town["area"])
                town["villages"].append(vil)
            self.towns.append(town)

    # --- congresses and constituencies --------------------------------------------------
    def congresses(self) -> None:
        rng = self.rng
        cday = 6 if self.idx == 0 else rng.randint(4, 12)
        start = dt.date(2022, 1, cday)
        term = 18 if self.idx == 0 else rng.randint(16, 19)
        self.county = Congress(
            f"cty{self.idx + 1:03d}-{term}",
            f"{self.name}第{zh_num(term)}届人民代表大会",
            self.name,
            self.area,
            "county",
            term,
            start,
            TERM_END,
            {y: (start if y == 2022 else weekday(rng, dt.date(y, 1, 6), dt.date(y, 1, 18))) for y in range(2022, 2027)},
        )
        self.out("congresses", **self.county.row())
        for t in self.towns:
            tterm = rng.randint(15, 21)
            tstart = dt.date(2022, 1, rng.randint(3, 5))
            t["congress"] = Congress(
                f"twn{self.idx + 1:03d}{t['i'] + 1:02d}-{tterm}",
                f"{t['name']}第{zh_num(tterm)}届人民代表大会",
                t["name"],
                t["area"],
                "township",
                tterm,
                tstart,
                TERM_END,
                {
                    y: (tstart if y == 2022 else weekday(rng, dt.date(y, 1, 3), dt.date(y, 1, 10)))
                    for y in range(2022, 2027)
                },
            )
            self.out("congresses", **t["congress"].row())
        # electing unit of this county's city deputies
        self.k_city = self.d.new_id("k")
        self.out(
            "constituencies",
            id=self.k_city,
            congress_id=self.city.id,
            name=f"{self.name}人民代表大会",
            kind="electing_unit",
            seats=self.sp.city,
        )
        self.out("constituency_areas", constituency_id=self.k_city, area_id=self.area)

    def districts(self) -> None:
        """County and township electoral districts; returns seat slots to fill."""
        rng, sp = self.rng, self.sp
        weights = [t["weight"] for t in self.towns]
        county_seats = apportion(sp.county_seats, weights)
        town_seats = apportion(sp.township_seats - sp.replacements, weights)
        self.county_slots: list[tuple] = []  # (constituency id, town, village)
        n = 0
        for t, seats in zip(self.towns, county_seats):
            sizes = []
            while seats > 0:
                s = min(seats, rng.choice([1, 2, 2, 3]))
                sizes.append(s)
                seats -= s
            vil_parts = (
                chunks(t["villages"], len(sizes))
                if len(sizes) <= len(t["villages"])
                else [[t["villages"][i % len(t["villages"])]] for i in range(len(sizes))]
            )
            for s, vils in zip(sizes, vil_parts):
                n += 1
                kid = self.d.new_id("k")
                self.out(
                    "constituencies",
                    id=kid,
                    congress_id=self.county.id,
                    name=f"{self.name}第{zh_num(n)}选区",
                    kind="district",
                    seats=s,
                )
                for v in vils:
                    self.out("constituency_areas", constituency_id=kid, area_id=v["area"])
                self.county_slots += [(kid, t, vils[0])] * s
        self.town_slots: dict[int, list[tuple]] = {}
        for t, seats in zip(self.towns, town_seats):
            slots = []
            per_vil = apportion(seats, [v["weight"] for v in t["villages"]])
            n = 0
            for v, vs in zip(t["villages"], per_vil):
                while vs > 0:
                    s = min(vs, rng.choice([1, 2, 2, 3, 3]))
                    vs -= s
                    n += 1
                    kid = self.d.new_id("k")
                    self.out(
                        "constituencies",
                        id=kid,
                        congress_id=t["congress"].id,
                        name=f"{t['name']}第{zh_num(n)}选区",
                        kind="district",
                        seats=s,
                    )
                    self.out("constituency_areas", constituency_id=kid, area_id=v["area"])
                    slots += [(kid, t, v)] * s
            self.town_slots[t["i"]] = slots

    # --- persons and mandates -----------------------------------------------------------
    def person(self, town, village, official: bool, job: str, re_p: float) -> Person:
        rng = self.rng
        p = Person()
        p.gender = "female" if rng.random() < (0.22 if official else 0.32) else "male"
        p.ethnicity = "汉族"
        if not official and len(self.persons) >= self.next_dot_name:
            self.next_dot_name += self.dot_spacing
            p.ethnicity = rng.choice(T.DOT_ETHNIC)
            first = rng.choice(T.DOT_FEMALE_FIRST if p.gender == "female" else T.DOT_MALE_FIRST)
            second = rng.choice([s for s in T.DOT_SECOND if s != first])
            p.name = f"{first}·{second}"
        else:
            if rng.random() < 0.08:
                p.ethnicity = pick(rng, T.ETHNIC_MINOR)
            for _ in range(30):
                pool = T.FEMALE_GIVEN if p.gender == "female" else T.MALE_GIVEN
                given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.8 else "")
                name = rng.choice(T.SURNAMES) + given
                if name not in self.used_names:
                    break
            p.name = name
        self.used_names.add(p.name)
        p.party = "中共党员" if official else pick(rng, T.PARTIES_GRASSROOTS)
        p.birth = dt.date(rng.randint(1962, 1996) if not official else rng.randint(1965, 1985), rng.randint(1, 12), 1)
        p.edu = rng.choice(T.EDUCATION) if not official else rng.choice(["大学", "研究生"])
        p.town, p.village = town, village
        p.official = official
        p.re_elected = rng.random() < re_p
        p.diligence = pick(rng, [("good", 83), ("mid", 12), ("poor", 5)])
        p.occupation = job
        p.weight = rng.uniform(0.5, 1.5)
        if rng.random() < 0.3:
            seq = rng.randint(100, 999)
            p.private = (
                f"000000{p.birth:%Y%m}{rng.randint(1, 28):02d}{seq}{rng.choice('0123456789X')}",
                f"1990000{rng.randint(0, 9999):04d}",
                f"{self.name}{town['name']}{village['name']}{rng.randint(1, 12)}组{rng.randint(1, 60)}号",
            )
        self.persons.append(p)
        return p

    def fmt(self, tpl: str, town=None, village=None) -> str:
        rng = self.rng
        town = town or self.towns[0]
        village = village or rng.choice(town["villages"])
        if village["cls"] == "community":  # a residents' committee, not a villagers' one
            tpl = T.COMMUNITY_JOBS.get(tpl, tpl)
        return tpl.format(
            county=self.name,
            cs=self.cs,
            town=town["name"],
            town_head=town["head"],
            village=village["name"],
            crop=rng.choice(T.CROPS),
            company=rng.choice(T.COMPANIES) + rng.choice(T.INDUSTRIES),
            hospital=rng.choice(T.HOSPITALS),
            bureau=rng.choice(T.COUNTY_BUREAUS),
        )

    def grassroots_job(self, town, village) -> str:
        return self.fmt(pick(self.rng, T.GRASSROOTS_JOBS), town, village)

    def mandate(self, p: Person, congress: Congress, kid: str, post: str = "", start=None) -> Mandate:
        m = Mandate(p, congress, kid, start or congress.start_date, post)
        p.mandates.append(m)
        self.mandates.append(m)
        return m

    def deputies(self) -> None:
        rng, sp = self.rng, self.sp
        # a few transliterated names written with a middle dot, spread over the county
        self.dot_spacing = sp.persons // max(1, sp.persons // 400)
        self.next_dot_name = self.dot_spacing // 2
        rng.shuffle(self.county_slots)
        for slots in self.town_slots.values():
            rng.shuffle(slots)
        seat_town = self.towns[0]

        def home():
            t = seat_town if rng.random() < 0.5 else rng.choice(self.towns)
            return t, rng.choice(t["villages"])

        county_slot = iter(self.county_slots)
        # national and provincial deputies
        for i in range(sp.national):
            t, v = home()
            p = self.person(t, v, False, self.fmt(T.NATIONAL_JOBS[i % len(T.NATIONAL_JOBS)], t, v), 0.5)
            self.mandate(p, self.d.national, self.d.k_national)
        for i in range(sp.provincial):
            t, v = home()
            p = self.person(t, v, False, self.fmt(T.PROV_JOBS[i % len(T.PROV_JOBS)], t, v), 0.4)
            self.mandate(p, self.d.provincial, self.k_prov)
            if i < sp.prov_also_county:
                kid, t, v = next(county_slot)
                p.town, p.village = t, v
                self.mandate(p, self.county, kid)
        # city deputies: the county's leaders first (they report orally to the county standing committee)
        self.chair: list[Person] = []
        for i in range(sp.city):
            official = i < sp.city_officials
            also_county = i < sp.city_also_county
            if also_county:
                kid, t, v = next(county_slot)
            else:
                t, v = home()
            post = self.fmt(T.CITY_OFFICIAL_POSTS[i % len(T.CITY_OFFICIAL_POSTS)], t, v) if official else ""
            p = self.person(t, v, official, post or self.grassroots_job(t, v), 0.4)
            self.mandate(p, self.city, self.k_city, post)
            if also_county:
                self.mandate(p, self.county, kid, post)
                if "人大常委会主任" in post:
                    self.chair.append(p)
        # county-only deputies: the chairperson meeting, township leaders, county officials, then grassroots
        rest = list(county_slot)
        n_official = max(
            0,
            round(0.3 * sp.county_seats)
            - sum(1 for p in self.persons if p.official and any(m.level == "county" for m in p.mandates)),
        )
        chair_posts = T.CHAIR_MEETING_POSTS[len(self.chair) :]
        n_chair = min(len(chair_posts), max(sp.joint_groups, 1) + (1 if sp.thematic_groups else 0) - len(self.chair))
        posts: list[str | None] = [None] * len(rest)
        for j in range(n_chair):
            posts[j] = chair_posts[j]
        leaders_in: dict[int, int] = {}
        for j in range(n_chair, len(rest)):
            ti = rest[j][1]["i"]
            if n_official > 0 and leaders_in.get(ti, 0) < 2:
                posts[j] = T.TOWN_LEADER_POSTS[leaders_in.get(ti, 0)]
                leaders_in[ti] = leaders_in.get(ti, 0) + 1
                n_official -= 1
        bureaus = rng.sample(T.COUNTY_BUREAUS, len(T.COUNTY_BUREAUS))
        county_posts = ["{county}人民政府副{cs}长"] * 4 + [f"{{county}}{b}局长" for b in bureaus] + T.COUNTY_OTHER_POSTS
        for j in range(n_chair, len(rest)):
            if posts[j] is None and n_official > 0 and county_posts:
                posts[j] = county_posts.pop(0)
                n_official -= 1
        town_leaders: list[Person] = []
        for j, (kid, t, v) in enumerate(rest):
            if posts[j] is None:
                post = ""
                p = self.person(t, v, False, self.grassroots_job(t, v), 0.4)
            else:
                post = self.fmt(posts[j], t, v)
                p = self.person(t, v, True, post, 0.5 if j < n_chair else 0.25)
                if j < n_chair:
                    self.chair.append(p)
                elif posts[j] in T.TOWN_LEADER_POSTS:
                    town_leaders.append(p)
            self.mandate(p, self.county, kid, post)
        # county deputies who are also township deputies: township leaders first
        county_only = [
            p for p in self.persons if len(p.mandates) == 1 and p.mandates[0].level == "county" and p not in self.chair
        ]
        others = [p for p in county_only if p not in town_leaders]
        rng.shuffle(others)
        overlap = (town_leaders + others)[: sp.county_also_township]
        for p in overlap:
            slots = self.town_slots[p.town["i"]]
            if not slots:
                continue
            kid, t, v = slots.pop()
            p.village = v
            self.mandate(p, t["congress"], kid, p.mandates[0].post)
        # township-only deputies, each township's leaders first
        self.town_chair: dict[int, Person] = {}
        self.town_officials: dict[int, list[Person]] = {}
        for t in self.towns:
            slots = self.town_slots[t["i"]]
            n_off = min(len(T.TOWN_OFFICIAL_POSTS), max(1, round(0.07 * len(slots))))
            offs = []
            for j, (kid, _tt, v) in enumerate(slots):
                if j < n_off:
                    post = self.fmt(T.TOWN_OFFICIAL_POSTS[j], t, v)
                    p = self.person(t, v, True, post, 0.3)
                    offs.append(p)
                    if j == 0:
                        self.town_chair[t["i"]] = p
                else:
                    post = ""
                    p = self.person(t, v, False, self.grassroots_job(t, v), 0.35)
                self.mandate(p, t["congress"], kid, post)
            self.town_officials[t["i"]] = offs
        # mandates that ended early; township seats are refilled by a by-election
        protected = set(map(id, self.chair)) | set(map(id, self.town_chair.values()))
        tonly = [
            m
            for m in self.mandates
            if m.level == "township"
            and len(m.person.mandates) == 1
            and id(m.person) not in protected
            and not m.person.official
        ]
        for m in rng.sample(tonly, min(sp.replacements, len(tonly))):
            m.end = weekday(rng, dt.date(2023, 3, 1), dt.date(2025, 6, 30))
            m.end_reason = pick(rng, [("resigned", 4), ("transferred", 3), ("deceased", 2), ("other", 1)])
            t, v = m.person.town, m.person.village
            p = self.person(t, v, False, self.grassroots_job(t, v), 0.0)
            r = self.mandate(p, m.congress, m.constituency, "", m.end + dt.timedelta(days=rng.randint(45, 120)))
            r.replacement = True
        conly = [
            m
            for m in self.mandates
            if m.level == "county" and len(m.person.mandates) == 1 and id(m.person) not in protected
        ]
        n_end_county = round(0.02 * sp.county_seats)
        for i, m in enumerate(rng.sample(conly, min(n_end_county, len(conly)))):
            m.end = weekday(rng, dt.date(2023, 6, 1), dt.date(2026, 6, 30))
            m.end_reason = (
                "recalled"
                if i == 1
                else (
                    "transferred"
                    if m.person.official
                    else pick(rng, [("resigned", 3), ("transferred", 2), ("deceased", 1)])
                )
            )
        if sp.city >= 10:
            conly = [m for m in self.mandates if m.level == "city" and len(m.person.mandates) == 1]
            m = rng.choice(conly)
            m.end = weekday(rng, dt.date(2024, 4, 1), dt.date(2025, 12, 31))
            m.end_reason = "transferred"
        # ids in creation order
        for p in self.persons:
            p.id = self.d.new_id("d")
        for m in self.mandates:
            m.id = self.d.new_id("m")

    # --- groups -------------------------------------------------------------------------
    def add_member(self, g: Group, p: Person, role: str, m: Mandate | None) -> None:
        rng = self.rng
        start = max(g.founding, min(x.start for x in p.mandates))
        end = None
        if m is not None:
            start = max(g.founding, m.start)
            end = m.end
        elif all(x.end for x in p.mandates):
            end = max(x.end for x in p.mandates)
        if role == "member" and end is None and rng.random() < 0.04:
            start = max(start, weekday(rng, dt.date(2023, 2, 1), dt.date(2025, 9, 30)))  # joined later
        g.members.append([p, role, start, end])
        p.groups.append((g, role))

    def groups(self) -> None:
        rng, sp = self.rng, self.sp
        self.group_list: list[Group] = []
        upper = [p for p in self.persons if any(m.level != "township" for m in p.mandates)]
        clusters = chunks(self.towns, sp.joint_groups)
        for gi, towns in enumerate(clusters):
            tnames = "、".join(t["name"] for t in towns)
            name = (
                f"{self.name}五级人大代表联合小组第{zh_num(gi + 1)}组（{tnames}）"
                if sp.joint_groups > 1
                else f"{self.name}五级人大代表联合小组"
            )
            g = Group(name, "five_level_joint", self.county, self.area, dt.date(2022, 3, rng.randint(10, 25)), towns[0])
            tset = {t["i"] for t in towns}
            liaison = self.chair[gi % len(self.chair)]
            members = [p for p in upper if p.town["i"] in tset and p not in self.chair]
            county_m = [p for p in members if any(m.level == "county" and m.end is None for m in p.mandates)]
            leader = next((p for p in county_m if p.official), county_m[0] if county_m else members[0])
            dep = next((p for p in county_m if not p.official and p is not leader), None) or next(
                p for p in members if p is not leader
            )
            self.add_member(g, leader, "leader", None)
            self.add_member(g, dep, "deputy_leader", None)
            self.add_member(g, liaison, "liaison", None)
            for p in members:
                if p is not leader and p is not dep:
                    self.add_member(g, p, "member", None)
            tonly = [
                m
                for m in self.mandates
                if m.level == "township"
                and m.person.town["i"] in tset
                and len(m.person.mandates) == 1
                and not m.person.official
                and m.end is None
                and not m.replacement
            ]
            for m in rng.sample(tonly, min(sp.joint_township_members, len(tonly))):
                self.add_member(g, m.person, "member", m)
            self.group_list.append(g)
        for t in self.towns:
            tm = [m for m in self.mandates if m.congress is t["congress"]]
            tm.sort(key=lambda m: (m.constituency, m.start))
            chair = self.town_chair[t["i"]]
            parts = chunks([m for m in tm if m.person is not chair], sp.groups_per_township)
            for gi, part in enumerate(parts):
                name = (
                    f"{t['name']}人大代表第{zh_num(gi + 1)}小组"
                    if sp.groups_per_township > 1
                    else f"{t['name']}人大代表小组"
                )
                g = Group(name, "single_level", t["congress"], t["area"], dt.date(2022, 2, rng.randint(14, 28)), t)
                live = [m for m in part if m.end is None and not m.replacement]
                leader = next((m for m in live if m.person.official), None) or next(
                    (m for m in live if m.person.re_elected), live[0]
                )
                dep = next((m for m in live if not m.person.official and m is not leader), live[-1])
                chair_m = next(m for m in chair.mandates if m.congress is t["congress"])
                self.add_member(g, leader.person, "leader", leader)
                self.add_member(g, dep.person, "deputy_leader", dep)
                self.add_member(g, chair, "liaison", chair_m)
                for m in part:
                    if m is not leader and m is not dep:
                        self.add_member(g, m.person, "member", m)
                self.group_list.append(g)
        if sp.thematic_groups:
            cm = [m for m in self.mandates if m.level == "county" and m.end is None]
            themes = [
                ("教育卫生", ("教师", "医生", "医院", "卫生", "护士", "学校", "教育局", "卫生健康局", "医疗保障局")),
                ("农业农村", ("合作社", "种粮", "农业", "养殖", "村", "水利局", "林业局")),
            ]
            for gi, (label, words) in enumerate(themes[: sp.thematic_groups]):
                g = Group(
                    f"{self.name}人大代表{label}专业小组",
                    "thematic",
                    self.county,
                    self.area,
                    dt.date(2022, 4, rng.randint(6, 20)),
                )
                ms = [m for m in cm if any(w in m.person.occupation for w in words) and m.person not in self.chair][:16]
                leader = next((m for m in ms if m.person.official), ms[0])
                dep = next(m for m in ms if m is not leader and not m.person.official)
                liaison = self.chair[-1 - gi]
                self.add_member(g, leader.person, "leader", leader)
                self.add_member(g, dep.person, "deputy_leader", dep)
                self.add_member(g, liaison, "liaison", None)
                for m in ms:
                    if m is not leader and m is not dep:
                        self.add_member(g, m.person, "member", m)
                self.group_list.append(g)
        # Some township groups are all newly elected: the validator's mix rule has something to show.
        tgroups = [g for g in self.group_list if g.kind == "single_level" and g.town["i"] > 0]
        self.missing_mix = rng.sample(tgroups, min(sp.missing_mix_groups, len(tgroups)))
        frozen = set()
        for g in self.missing_mix:
            for mem in g.members:
                mem[0].re_elected = False
                frozen.add(id(mem[0]))
        for g in self.group_list:
            if g in self.missing_mix:
                continue
            ps = [mem[0] for mem in g.members]
            if not any(p.re_elected for p in ps):
                cand = [p for p in ps if id(p) not in frozen]
                rng.choice(cand).re_elected = True
            if all(p.re_elected for p in ps):
                cand = [
                    p
                    for p in ps
                    if id(p) not in frozen
                    and not any(q is p for q in (mm[0] for gg in self.group_list for mm in gg.members if gg is not g))
                ]
                (cand or ps)[0].re_elected = False
        for _i, g in enumerate(self.group_list):
            g.id = self.d.new_id("g", -1)

    # --- stations -----------------------------------------------------------------------
    def stations(self) -> None:
        rng, sp = self.rng, self.sp
        self.station_list: list[Station] = []

        def station(name, area, address, town, weight):
            s = Station()
            s.name, s.area_id, s.address, s.town, s.weight = name, area, address, town, weight
            s.hours = rng.choice(T.OPENING_HOURS)
            s.phone = f"{self.phone_code}-0{rng.randint(0, 999999):06d}"  # local numbers never start with 0
            s.founding = weekday(rng, dt.date(2018, 5, 1), dt.date(2021, 10, 31))
            self.station_list.append(s)
            return s

        seat = self.towns[0]
        self.centre = station(
            f"{self.name}人大代表联络中心站",
            self.area,
            f"{self.name}{seat['name']}{rng.choice(T.STREET_NAMES)}{rng.randint(1, 200)}号{self.name}人大常委会机关一楼",
            seat,
            2.0,
        )
        self.town_station = {}
        for t in self.towns:
            self.town_station[t["i"]] = station(
                f"{t['name']}人大代表联络站", t["area"], f"{self.name}{t['name']}人民政府便民服务中心二楼", t, 1.5
            )
        per_town = apportion(sp.village_stations, [t["weight"] for t in self.towns])
        self.village_station = {}
        for t, n in zip(self.towns, per_town):
            vils = sorted(t["villages"], key=lambda v: (v["cls"] != "community", -v["weight"]))[:n]
            for v in vils:
                self.village_station[v["area"]] = station(
                    f"{v['name']}人大代表联络站", v["area"], f"{self.name}{t['name']}{v['name']}党群服务中心", t, 1.0
                )
        for p in self.persons:
            levels = {m.level for m in p.mandates}
            if levels & {"national", "provincial", "city"}:
                mine = [self.centre, self.town_station[p.town["i"]]]
            elif "county" in levels:
                mine = [self.town_station[p.town["i"]]]
            else:
                mine = [self.village_station.get(p.village["area"]) or self.town_station[p.town["i"]]]
            if len(mine) == 1 and rng.random() < 0.05:
                alt = self.village_station.get(p.village["area"]) or self.centre
                if alt is not mine[0]:
                    mine.append(alt)
            end = max(m.end for m in p.mandates) if all(m.end for m in p.mandates) else None
            start = min(m.start for m in p.mandates)
            for s in mine:
                s.members.append([p, max(start, s.founding), end])
                p.stations.append(s)
        for s in self.station_list:
            s.id = self.d.new_id("st", -1)

    # --- plans, activities, attendance -----------------------------------------------------
    def activities(self) -> None:
        rng, sp = self.rng, self.sp
        self.activity_rows: list[dict] = []
        self.attendance_rows: list[tuple] = []
        self.attended: dict[int, list] = {}  # id(person) → [(date, kind, group)]
        self.plan_rows: list[dict] = []
        gw = [1.6 if g.kind == "five_level_joint" else (0.7 if g.kind == "thematic" else 1.0) for g in self.group_list]
        base = apportion(sp.activities_2023, gw)
        status_w = {
            "good": [("present", 92), ("excused", 6), ("absent", 2)],
            "mid": [("present", 74), ("excused", 15), ("absent", 11)],
            "poor": [("present", 42), ("excused", 20), ("absent", 38)],
        }
        kind_w = {
            "five_level_joint": [
                ("study", 28),
                ("inspection", 15),
                ("research", 15),
                ("supervision", 15),
                ("reception", 10),
                ("public_interest", 10),
                ("training", 7),
            ],
            "single_level": [
                ("study", 40),
                ("inspection", 10),
                ("research", 14),
                ("supervision", 10),
                ("reception", 16),
                ("public_interest", 5),
                ("training", 5),
            ],
            "thematic": [("study", 15), ("inspection", 30), ("research", 35), ("supervision", 20)],
        }
        local = [t for t in T.TOPIC_NAMES]
        for g, n23 in zip(self.group_list, base):
            for y in ACTIVITY_YEARS:
                themes = rng.sample(local, rng.randint(2, 4))
                g.themes[y] = themes
                if y == 2023:
                    n = n23
                else:
                    n = max(1, round(n23 * (0.86 if y == 2026 else 1.0) * rng.uniform(0.85, 1.15)))
                self.plan_rows.append(
                    dict(
                        id=self.d.new_id("p"),
                        group_id=g.id,
                        year=y,
                        themes="；".join(themes),
                        summary=f"全年计划组织活动{n}次，重点围绕{themes[0]}、{themes[1]}开展视察调研，督办相关代表建议，"
                        f"每季度至少组织一次集中学习。",
                    )
                )
                hi = dt.date(y, 12, 26) if y < 2026 else LAST_DAY
                dates = sorted(weekday(rng, dt.date(y, 1, 10) if y > 2023 else dt.date(y, 2, 6), hi) for _ in range(n))
                where = g.town or self.towns[0]
                for d in dates:
                    kind = pick(rng, kind_w[g.kind])
                    tpl = rng.choice(T.ACTIVITY_TITLES[kind])
                    theme, law = rng.choice(themes), rng.choice(T.LAWS)  # the draws in their old order
                    title = tpl.format(theme=theme, law=law)
                    loc_station = self.town_station[where["i"]] if rng.random() < 0.6 else self.centre
                    location = (
                        loc_station.name
                        if kind in ("study", "reception", "training", "supervision")
                        else f"{where['name']}{rng.choice(where['villages'])['name']}"
                    )
                    aid = self.d.new_id("a", 1)
                    self.activity_rows.append(
                        dict(
                            id=aid,
                            group_id=g.id,
                            date=d,
                            kind=kind,
                            title=f"{g.name}{title}" if len(g.name) < 30 else title,
                            summary=self.trng.choice(T.GROUP_SUMMARIES[kind]).format(
                                n=rng.randint(3, 12) if kind != "public_interest" else rng.randint(30, 120),
                                theme=theme,
                                town=where["name"],
                                law=law,
                                i1=self.trng.choice(T.RECEPTION_ISSUES[:8]),
                                i2=self.trng.choice(T.RECEPTION_ISSUES[8:]),
                            ),
                            location=location,
                            people_received=rng.randint(5, 40) if kind == "reception" else None,
                        )
                    )
                    for p, _role, start, end in g.members:
                        if start <= d and (end is None or d <= end):
                            st = pick(rng, status_w[p.diligence])
                            self.attendance_rows.append((aid, p.id, st))
                            if st == "present":
                                self.attended.setdefault(id(p), []).append((d, kind, g))
        # station reception days: monthly at the centre and township stations, every other month in villages
        recs = []
        for s in self.station_list:
            step = (1 if s.weight > 1 else 2) * self.sp.reception_every
            months = range(step, 13, step)
            for y in ACTIVITY_YEARS:
                for mo in months:
                    lo = dt.date(y, mo, 8)
                    hi = dt.date(y, mo, 22)
                    if lo > LAST_DAY:
                        continue
                    d = weekday(rng, lo, min(hi, LAST_DAY))
                    kind = "reception" if rng.random() < 0.86 else rng.choice(["study", "training"])
                    recs.append((s, d, kind))
        w23 = [s.weight * rng.uniform(0.5, 1.5) if (d.year == 2023 and k == "reception") else 0.0 for s, d, k in recs]
        received = apportion(sp.received_2023, w23)
        for (s, d, kind), r23 in zip(recs, received):
            aid = self.d.new_id("a", 1)
            if kind == "reception":
                people = r23 if d.year == 2023 else rng.randint(1, 12) * (2 if s.weight > 1 else 1)
                title = f"{s.name}“人大代表接待群众日”活动"
                summary = self.station_summary(s, kind, people)
            else:
                people = None
                title = f"{s.name}进站代表{T.KIND_ZH[kind]}"
                summary = self.station_summary(s, kind, people)
            self.activity_rows.append(
                dict(
                    id=aid,
                    station_id=s.id,
                    date=d,
                    kind=kind,
                    title=title,
                    summary=summary,
                    location=s.address,
                    people_received=people,
                )
            )
            live = [mem[0] for mem in s.members if mem[1] <= d and (mem[2] is None or d <= mem[2])]
            for p in rng.sample(live, min(len(live), rng.randint(2, 4))):
                st = "present" if rng.random() < 0.92 else "excused"
                self.attendance_rows.append((aid, p.id, st))

    def station_summary(self, s: Station, kind: str, people: int | None) -> str:
        """What happened at one station activity: the issues people raised differ each time."""
        trng = self.trng
        if kind == "reception":
            i1, i2, i3 = trng.sample(T.RECEPTION_ISSUES, 3)
            return trng.choice(T.RECEPTION_SUMMARIES).format(
                k=trng.randint(2, 4),
                people=people,
                i1=i1,
                i2=i2,
                i3=i3,
                a=max(1, min(people or 1, trng.randint(1, 6))),
                b=trng.randint(2, 9),
                town=s.town["name"] if s.town else self.name,
            )
        pool = T.STATION_STUDY_SUMMARIES if kind == "study" else T.STATION_TRAINING_SUMMARIES
        return trng.choice(pool).format(law=trng.choice(T.LAWS), county=self.name, k=trng.randint(3, 9))

    # --- suggestions ----------------------------------------------------------------------
    def suggestions(self) -> None:
        rng, sp = self.rng, self.sp
        self.sugg_rows: list[dict] = []
        self.cosign_rows: list[dict] = []
        self.led: dict[int, list[dict]] = {}
        self.cosigned: dict[int, int] = {}
        by_level: dict[str, list[Mandate]] = {}
        for m in self.mandates:
            by_level.setdefault(m.level, []).append(m)
        level_w = [("county", 60), ("township", 27), ("city", 9), ("provincial", 3), ("national", 1)]
        level_w = [(lv, w) for lv, w in level_w if by_level.get(lv)]
        statuses_forced = ["resolved", "in_progress", "planned", "explained", "submitted"]
        used_titles: Counter = Counter()
        rows = []
        for i in range(sp.suggestions):
            level = pick(rng, level_w)
            m = rng.choice(by_level[level])
            c = m.congress
            years = [y for y in c.sessions if c.sessions[y] >= m.start and (m.end is None or c.sessions[y] <= m.end)]
            if years and rng.random() < 0.72:
                y = rng.choice(years)
                d = c.sessions[y] + dt.timedelta(days=rng.randint(0, 2))
            else:
                lo = max(m.start, dt.date(2022, 2, 1))
                hi = min(m.end or LAST_DAY, LAST_DAY)
                d = weekday(rng, lo, hi)
            d = min(d, LAST_DAY)
            if m.end and d > m.end:
                d = m.end
            rows.append((d, m, i))
        rows.sort(key=lambda r: (r[0], r[2]))
        for n, (d, m, _i) in enumerate(rows):
            topic, bureau, titles, body, responses = rng.choice(T.TOPICS)
            town = m.person.town
            village = m.person.village
            kind = "motion" if m.level == "county" and rng.random() < 0.06 else "suggestion"
            # drawn from rng as before (so the draws after it stay the same), then varied
            title = self.suggestion_title(rng.choice(titles), town, village, used_titles)
            if kind == "motion":
                title = title.replace("的建议", "的议案")
            level = m.level
            if level == "township":
                unit = f"{town['name']}人民政府"
            elif level == "county":
                unit = f"{self.name}{bureau}"
            elif level == "city":
                unit = f"{self.city_name}{bureau}"
            elif level == "provincial":
                unit = f"{T.PROVINCE_NAME}{bureau.replace('局', '厅')}"
            else:
                unit = "国务院有关部门"
            age = (AS_OF - d).days
            if n < len(statuses_forced) and sp.suggestions < 20:
                status = statuses_forced[n]
            elif age < 45:
                status = pick(rng, [("submitted", 7), ("in_progress", 3)])
            elif age < 200:
                status = pick(
                    rng, [("in_progress", 4), ("resolved", 2), ("planned", 2), ("explained", 1), ("submitted", 1)]
                )
            else:
                status = pick(rng, [("resolved", 50), ("planned", 22), ("explained", 20), ("in_progress", 8)])
            if status == "submitted" and age > 120 and sp.suggestions >= 20:
                status = "in_progress"
            response = rdate = None
            if status in ("resolved", "planned", "explained"):
                response = {"resolved": responses[0], "planned": responses[1], "explained": responses[2]}[status]
                response = self.suggestion_response(response, unit, town, village)
                rdate = min(d + dt.timedelta(days=rng.randint(30, 110)), LAST_DAY)
            elif status == "in_progress" and rng.random() < 0.5:
                response = self.trng.choice(T.IN_PROGRESS_RESPONSES).format(place=town["name"] + village["name"])
                rdate = min(d + dt.timedelta(days=rng.randint(20, 60)), LAST_DAY)
            # the lead deputy's 满意度 once answered: mostly 满意, less so when only explained
            satisfaction = None
            if response and status != "in_progress" and rdate <= AS_OF - dt.timedelta(days=20):
                satisfaction = pick(self.trng, T.SATISFACTION_WEIGHTS[status])
            award = None
            if status in ("resolved", "planned") and (rng.random() < 0.04 or (n == 0 and sp.suggestions < 20)):
                award = pick(rng, [("well_raised", 2), ("well_supervised", 2), ("both", 1)])
            sid = self.d.new_id("s")
            row = dict(
                id=sid,
                kind=kind,
                title=title,
                lead_deputy_id=m.person.id,
                congress_id=m.congress.id,
                date=d,
                topic=topic,
                body=self.suggestion_body(topic, body, town, village),
                handling_unit=unit,
                status=status,
                response=response,
                response_date=rdate,
                satisfaction=satisfaction,
                award=award,
            )
            self.sugg_rows.append(row)
            self.led.setdefault(id(m.person), []).append(row)
            peers = [
                x for x in by_level[level] if x.congress is m.congress and x.person is not m.person and x.active(d)
            ]
            k = min(
                len(peers), rng.randint(9, 12) if kind == "motion" else (rng.randint(1, 4) if rng.random() < 0.6 else 0)
            )
            for x in sorted(rng.sample(peers, k), key=lambda x: x.person.id):
                self.cosign_rows.append(dict(suggestion_id=sid, deputy_id=x.person.id))
                self.cosigned[id(x.person)] = self.cosigned.get(id(x.person), 0) + 1

    def suggestion_title(self, tpl: str, town: dict, village: dict, used: Counter) -> str:
        """The template's title while it has been used less than twice in this county, else
        one of its other wordings (T.TITLE_VARIANTS) not yet used twice, else the least used."""
        trng = self.trng
        crop = trng.choice(T.CROPS)
        variants = T.TITLE_VARIANTS.get(tpl, [])
        options = [tpl] + trng.sample(variants, len(variants))
        titles = [t.format(town=town["name"], village=village["name"], crop=crop) for t in options]
        title = next((t for t in titles if used[t] < 2), min(titles, key=lambda t: used[t]))
        used[title] += 1
        return title

    def suggestion_body(self, topic: str, body: str, town: dict, village: dict) -> str:
        """Where (township before village), what the deputy saw there, and what is asked."""
        place = town["name"] + village["name"]
        detail = self.trng.choice(T.BODY_DETAILS.get(topic, [""]))
        return f"据{place}一带群众反映，{detail}{body}" if detail else f"{place}一带{body}"

    def suggestion_response(self, outcome: str, unit: str, town: dict, village: dict) -> str:
        """The topic's outcome for the status, with an opening and a closing as units write them."""
        trng, place = self.trng, town["name"] + village["name"]
        opener = trng.choice(T.RESPONSE_OPENERS).format(place=place, unit=unit)
        return opener + outcome + trng.choice(T.RESPONSE_CLOSERS)

    # --- contacts -------------------------------------------------------------------------
    def contacts(self) -> None:
        rng, sp = self.rng, self.sp
        self.contact_of: dict[tuple[int, int], tuple] = {}
        self.contact_rows: list[dict] = []
        lw = {"township": 1.0, "county": 1.4, "city": 1.2, "provincial": 0.8, "national": 0.8}
        dw = {"good": 1.1, "mid": 0.8, "poor": 0.4}
        factor = {2022: 0.8, 2023: 1.0, 2024: 1.05, 2025: 1.1, 2026: 0.88}
        for y in CONTACT_YEARS:
            lo, hi = dt.date(y, 1, 1), dt.date(y, 12, 31)
            ps = [p for p in self.persons if any(m.start <= hi and (m.end is None or m.end >= lo) for m in p.mandates)]
            weights = [p.weight * dw[p.diligence] * max(lw[m.level] for m in p.mandates) for p in ps]
            cols = []
            for _k, total in enumerate(sp.contacts_2023):
                if y != 2023:
                    total = round(total * factor[y] * rng.uniform(0.95, 1.05))
                cols.append(apportion(total, [w * rng.uniform(0.6, 1.4) for w in weights]))
            for j, p in enumerate(ps):
                vals = tuple(c[j] for c in cols)
                self.contact_of[(id(p), y)] = vals
                self.contact_rows.append(
                    dict(
                        deputy_id=p.id,
                        year=y,
                        voters_visited=vals[0],
                        people_received=vals[1],
                        opinions_collected=vals[2],
                        problems_resolved=vals[3],
                    )
                )
        self.contact_rows.sort(key=lambda r: (r["deputy_id"], r["year"]))

    # --- reports --------------------------------------------------------------------------
    def sc_meetings(self) -> dict[int, tuple[dt.date, str]]:
        """County standing-committee meetings at which city deputies report (February–March)."""
        rng = self.rng
        numbers = {2022: 2, 2023: 9, 2024: 17, 2025: 24, 2026: 31}
        out = {}
        for y, n in numbers.items():
            d = (
                dt.date(2024, 3, 14)
                if (y == 2024 and self.idx == 0)
                else weekday(rng, dt.date(y, 2, 20), dt.date(y, 3, 28))
            )
            out[y] = (d, f"{self.county.name[: -len('人民代表大会')]}人大常委会第{zh_num(n)}次会议")
        return out

    def reports(self) -> None:
        rng = self.rng
        rules_years = {"re_elected": (1,), "official": (2,), "other": (3, 4)}
        meetings = self.sc_meetings()
        self.report_rows: list[dict] = []
        self.bodies: list[tuple[str, str]] = []
        eligible = [m for m in self.mandates if m.level in ("city", "county", "township")]
        live = [m for m in eligible if m.end is None]
        n = len(eligible)
        q_over = max(1, round(0.04 * n))
        q_draft = max(1, round(0.03 * n))
        q_late = max(1, round(0.03 * n))
        pool = rng.sample(live, len(live))
        over = set(map(id, pool[:q_over]))
        draft = set(map(id, [m for m in pool[q_over:] if m.level != "city"][:q_draft]))
        late = set(map(id, [m for m in pool[q_over:] if id(m) not in draft][-q_late:]))

        def window(m: Mandate, y: int) -> tuple[dt.date, dt.date] | None:
            cal = m.congress.start_date.year + y - 1
            if m.level == "city":
                return None
            lo, hi = dt.date(cal, 10, 9), dt.date(cal, 12, 26)
            hi = min(hi, LAST_DAY, m.end or hi)
            lo = max(lo, m.start + dt.timedelta(days=20))
            return (lo, hi) if lo <= hi else None

        def when(m: Mandate, y: int):
            cal = m.congress.start_date.year + y - 1
            if m.level == "city":
                d, venue = meetings.get(cal, (None, None))
                if d is None or d >= AS_OF or d < m.start or (m.end and d > m.end):
                    return None
                return d, venue
            w = window(m, y)
            if w is None:
                return None
            return weekday(rng, *w), None

        planned: list[tuple] = []  # (mandate, date, venue, state)
        for m in eligible:
            kind = "re_elected" if m.person.re_elected else ("official" if m.person.official else "other")
            sched = list(rules_years[kind])
            if id(m) in over:
                continue
            if id(m) in draft:
                d = weekday(rng, dt.date(2026, 10, 9), LAST_DAY)
                planned.append((m, d, None, "draft"))
                continue
            if id(m) in late:
                years = [y for y in range(1, 6) if y not in sched]
            else:
                years = sched[:]
                rng.shuffle(years)
            got = None
            for y in years:
                got = when(m, y)
                if got:
                    break
            if got is None and m.replacement:
                for y in range(1, 6):
                    got = when(m, y)
                    if got:
                        break
            if got:
                planned.append((m, got[0], got[1], "published"))
        # modes: city deputies orally; county and township at a meeting or in writing,
        # with at least 30% of each congress's deputies reporting at a meeting
        modes = {}
        by_congress: dict[str, list] = {}
        for i, (m, _d, _venue, state) in enumerate(planned):
            if m.level == "city":
                modes[i] = "oral"
            else:
                modes[i] = "meeting" if rng.random() < 0.5 else "written"
                if state == "published":
                    by_congress.setdefault(m.congress.id, []).append(i)
        for cid, idxs in by_congress.items():
            total = sum(1 for m in eligible if m.congress.id == cid)
            need = math.ceil(0.36 * total)
            have = sum(1 for i in idxs if modes[i] == "meeting")
            for i in idxs:
                if have >= need:
                    break
                if modes[i] == "written":
                    modes[i] = "meeting"
                    have += 1
        order = sorted(range(len(planned)), key=lambda i: (planned[i][1], planned[i][0].id))
        for i in order:
            m, d, venue, state = planned[i]
            mode = modes[i]
            p = m.person
            rid = self.d.new_id("r")
            attendees = sat = basic = unsat = None
            if mode == "oral":
                audience = "standing_committee"
                attendees = rng.randint(24, 33)
            else:
                audience = "voters"
                if mode == "meeting":
                    venue = rng.choice(
                        [
                            f"{p.village['name']}村民委员会会议室",
                            f"{p.stations[0].name}",
                            f"{p.town['name']}人民政府会议室",
                        ]
                    ).replace("社区村民委员会", "社区居民委员会")
                    attendees = rng.randint(35, 180)
                    voted = attendees - rng.randint(0, attendees // 10)
                    unsat = rng.choice([0, 0, 0, 1, 2]) if p.diligence != "poor" else rng.randint(2, 8)
                    basic = rng.randint(0, max(1, voted // 8))
                    sat = max(0, voted - basic - unsat)
                else:
                    venue = f"{p.village['name']}公开栏张贴、选民微信群推送"
            ty = term_year(m.congress, d)
            self.report_rows.append(
                dict(
                    id=rid,
                    deputy_id=p.id,
                    mandate_id=m.id,
                    date=d,
                    term_year=ty,
                    mode=mode,
                    audience=audience,
                    venue=venue,
                    body=f"reports/{rid}.md",
                    attendees=attendees,
                    eval_satisfied=sat,
                    eval_basic=basic,
                    eval_unsatisfied=unsat,
                    state=state,
                )
            )
            self.bodies.append((rid, T.report_body(self.trng, self.report_facts(m, d, audience))))

    def report_facts(self, m: Mandate, d: dt.date, audience: str) -> dict:
        p = m.person
        led = [s for s in self.led.get(id(p), []) if s["date"] <= d]
        done = sum(1 for s in led if s["response_date"] and s["response_date"] <= d and s["status"] != "in_progress")
        topics = []
        for s in led:
            if s["topic"] not in topics:
                topics.append(s["topic"])
        want = "single_level" if m.level == "township" else None
        mine = [(g, r) for g, r in p.groups if (g.kind == want if want else g.kind != "single_level")] or p.groups
        group, role = mine[0] if mine else (None, None)
        att = [a for a in self.attended.get(id(p), []) if a[0] <= d and a[2] is group]
        kinds = []
        for a in att:
            if a[1] not in kinds:
                kinds.append(a[1])
        # a February–March report speaks of the year before; a fourth-quarter report of this year
        y = d.year - 1 if d.month <= 6 else d.year
        v = self.contact_of.get((id(p), y)) or (None, None, None, None)
        return dict(
            audience=audience,
            county=self.name,
            congress=m.congress.name,
            name=p.name,
            occupation=p.occupation,
            town=p.town["name"],
            constituency=self.constituency_name.get(m.constituency, m.congress.jurisdiction),
            topics=topics,
            led=len(led),
            done=done,
            cosigned=self.cosigned.get(id(p), 0),
            group=group.name if (group and att) else None,
            role=role,
            activities=len(att),
            kinds=kinds,
            station=p.stations[0].name if p.stations else f"{self.name}人大代表联络中心站",
            year=y,
            v=v[0],
            r=v[1],
            o=v[2],
            p=v[3],
        )

    # --- run and write --------------------------------------------------------------------
    def run(self) -> None:
        self.geography()
        self.congresses()
        self.districts()
        self.deputies()
        self.groups()
        self.stations()
        self.constituency_name = {r["id"]: r["name"] for r in self.rows.get("constituencies", [])}
        self.activities()
        self.suggestions()
        self.contacts()
        self.reports()
        self.write()

    def photo(self, p: Person) -> str | None:
        """A placeholder photo for the first DEMO_PHOTOS county or township deputies without an
        official post (those voters meet at the stations)."""
        d = self.d
        if d.photos_left <= 0 or p.official or not any(m.level in ("county", "township") for m in p.mandates):
            return None
        d.photos_left -= 1
        rel = f"photos/{p.id}.jpg"
        (d.out / "photos").mkdir(exist_ok=True)
        (d.out / rel).write_bytes(photo_bytes(p.id))
        return rel

    def write(self) -> None:
        w = self.d.w
        for table in ("areas", "congresses", "constituencies", "constituency_areas"):
            for r in self.rows.get(table, []):
                w.row(table, r)
        for p in self.persons:
            bio = (
                f"{p.name}，{'女' if p.gender == 'female' else '男'}，{p.ethnicity}，{p.birth.year}年{p.birth.month}月生，"
                f"{p.edu}学历，{p.party}。{T.occupation_phrase(p.occupation)}。"
                + "、".join(m.congress.name for m in p.mandates)
                + "代表。"
            )
            priv = p.private or (None, None, None)
            w.row(
                "deputies",
                dict(
                    id=p.id,
                    name=p.name,
                    gender=p.gender,
                    ethnicity=p.ethnicity,
                    party=p.party,
                    occupation=p.occupation,
                    image=self.photo(p),
                    biography=bio,
                    id_card_number=priv[0],
                    personal_phone=priv[1],
                    home_address=priv[2],
                ),
            )
        for m in self.mandates:
            w.row(
                "mandates",
                dict(
                    id=m.id,
                    deputy_id=m.person.id,
                    congress_id=m.congress.id,
                    constituency_id=m.constituency,
                    re_elected=m.person.re_elected,
                    official=m.person.official,
                    post_title=m.post or None,
                    start_date=m.start,
                    end_date=m.end,
                    end_reason=m.end_reason,
                ),
            )
        for s in self.station_list:
            w.row(
                "stations",
                dict(
                    id=s.id,
                    name=s.name,
                    area_id=s.area_id,
                    address=s.address,
                    opening_hours=s.hours,
                    office_phone=s.phone,
                    founding_date=s.founding,
                ),
            )
        for s in self.station_list:
            for p, start, end in sorted(s.members, key=lambda x: x[0].id):
                w.row("station_members", dict(station_id=s.id, deputy_id=p.id, start_date=start, end_date=end))
        for g in self.group_list:
            w.row(
                "groups",
                dict(
                    id=g.id,
                    name=g.name,
                    kind=g.kind,
                    congress_id=g.congress.id,
                    area_id=g.area_id,
                    founding_date=g.founding,
                ),
            )
        role_order = {"leader": 0, "deputy_leader": 1, "liaison": 2, "member": 3}
        for g in self.group_list:
            seen = set()
            for p, role, start, end in sorted(g.members, key=lambda x: (role_order[x[1]], x[0].id)):
                if p.id in seen:
                    continue
                seen.add(p.id)
                w.row("group_members", dict(group_id=g.id, deputy_id=p.id, role=role, start_date=start, end_date=end))
        for r in self.plan_rows:
            w.row("plans", r)
        for r in self.activity_rows:
            w.row("activities", r)
        w.tuples("attendance", self.attendance_rows)
        for r in self.report_rows:
            w.row("reports", r)
        for r in self.sugg_rows:
            w.row("suggestions", r)
        for r in self.cosign_rows:
            w.row("suggestion_cosigners", r)
        for r in self.contact_rows:
            w.row("contacts", r)
        rep = self.d.out / "reports"
        for rid, body in self.bodies:
            (rep / f"{rid}.md").write_text(body, encoding="utf-8", newline="\n")


# --- the descriptor -----------------------------------------------------------------------


def descriptor_text(src: str, data_date: dt.date = AS_OF) -> str:
    """The source descriptor, text-for-text, with `x-data-date` (and `x-fictional`) set."""
    lines = [ln for ln in src.splitlines(keepends=True) if not ln.startswith("x-data-date:")]
    stamp = f'x-data-date: "{data_date.isoformat()}"\n'
    for i, ln in enumerate(lines):
        if ln.startswith("x-fictional:"):
            lines.insert(i + 1, stamp)
            break
    else:
        for i, ln in enumerate(lines):
            if ln.startswith("resources:"):
                lines[i:i] = ["x-fictional: true\n", stamp]
                break
    return "".join(lines)


def generate(scale: str, seed: int, out: Path, source: Path = SOURCE_DATA) -> dict[str, int]:
    """Write the package to `out`; returns rows written per table (plus `report_files`)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}")
    desc_src = (source / "datapackage.yaml").read_text(encoding="utf-8")
    rules_src = (source / "rules.yaml").read_text(encoding="utf-8")
    resources = yaml.safe_load(desc_src)["resources"]
    out.mkdir(parents=True, exist_ok=True)
    rep = out / "reports"
    rep.mkdir(exist_ok=True)
    for f in rep.glob("*.md"):  # stale bodies from an earlier run
        f.unlink()
    (out / "datapackage.yaml").write_text(descriptor_text(desc_src), encoding="utf-8", newline="\n")
    (out / "rules.yaml").write_text(rules_src, encoding="utf-8", newline="\n")
    demo = Demo(scale, seed, out, resources)
    demo.run()
    counts = dict(demo.w.counts)
    counts["report_files"] = counts.get("reports", 0)
    return counts


def generate_into(scale: str, seed: int, out: Path) -> dict[str, int]:
    """generate() into a scratch folder beside `out`, then every file moved into `out` at once
    (safe_write.replace_files): a failure part-way leaves `out` as it was. Files of `out` the
    demo does not write (README.md, photos/) stay; stale report bodies go."""
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.demo-", dir=out.parent))
    try:
        counts = generate(scale, seed, scratch)
        files: dict[str, bytes | None] = {
            p.relative_to(scratch).as_posix(): p.read_bytes() for p in sorted(scratch.rglob("*")) if p.is_file()
        }
        for old in sorted((out / "reports").glob("*.md")):
            files.setdefault(old.relative_to(out).as_posix(), None)
        replace_files(out, files)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return counts


def command(args) -> int:
    out = Path(args.out)
    if not (SOURCE_DATA / "datapackage.yaml").is_file() or not (SOURCE_DATA / "rules.yaml").is_file():
        print(
            f"找不到数据包描述文件和规则文件 / the schema and rules are missing: {SOURCE_DATA}/datapackage.yaml, "
            "rules.yaml (run from a source checkout)",
            file=sys.stderr,
        )
        return 1
    try:
        counts = generate_into(args.scale, args.seed, out)
    except OSError as e:
        print(f"无法写入 / cannot write: {e}", file=sys.stderr)
        return 1
    summary = "，".join(f"{k} {v}" for k, v in counts.items() if k != "report_files")
    print(f"已生成虚构演示数据 / wrote fictional demo data ({args.scale}, seed {args.seed}) → {out}: {summary}")
    return 0
