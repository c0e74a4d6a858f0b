"""Org tree files for the import tests: the shipped sample, a realistic district of 30 towns
and 300 villages (generated), and helpers to write rows as CSV text."""

from __future__ import annotations

from pathlib import Path

from workflows.admin import org_codes
from workflows.admin.org_file import COLUMNS

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "org_tree_nanchuan.csv"
DEPARTMENTS = [("qwbgs", "区委办公室"), ("qzfbgs", "区政府办公室"), ("qwnb", "区委农办"),
               ("qwdcb", "区委督查办"), ("qmzj", "区民政局"), ("qtjj", "区统计局")]
Row = dict[str, str]


def uscc(first17: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return first17 + org_codes.uscc_check_char(first17)


def realistic(towns: int = 30, villages: int = 10) -> list[Row]:
    """A district (code 500119000000) with departments (one with a credit code), `towns`
    towns and sub-districts, `villages` villages and communities each."""
    rows = [row("nanchuan", "南川区", "", "区", "500119000000")]
    for i, (code, name) in enumerate(DEPARTMENTS):
        rows.append(row(code, name, "nanchuan", "部门",
                        uscc(f"11500119MB15{i:04d}X") if i == 0 else ""))
    for t in range(1, towns + 1):
        street = t <= 3
        town_code = f"500119{t:03d}000" if street else f"500119{100 + t:03d}000"
        town = f"t{t:02d}"
        rows.append(row(town, f"第{t}{'街道' if street else '镇'}", "nanchuan",
                        "街道" if street else "镇", town_code))
        for v in range(1, villages + 1):
            community = street and v <= 4
            rows.append(row(f"{town}-v{v:02d}",
                            f"第{t}{'街道' if street else '镇'}{v}{'社区' if community else '村'}",
                            town, "社区" if community else "村",
                            f"{town_code[:9]}{(v if community else 200 + v):03d}"))
    return rows


def row(code: str, name: str, parent: str, kind: str, official: str = "",
        valid_from: str = "", valid_to: str = "") -> Row:
    return {"code": code, "official_code": official, "name": name, "parent_code": parent,
            "kind": kind, "valid_from": valid_from, "valid_to": valid_to}


def csv_bytes(rows: list[Row], columns: tuple[str, ...] = COLUMNS) -> bytes:
    lines = [",".join(columns)] + [",".join(r.get(c, "") for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sample_rows() -> list[Row]:
    """The shipped sample as rows keyed by the English column names."""
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    return [dict(zip(COLUMNS, line.split(","), strict=True)) for line in lines[1:]]
