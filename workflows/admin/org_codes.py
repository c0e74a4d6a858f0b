"""Official codes of org units (docs/administration.md, "The org tree"): the 12-digit
administrative division code (统计用区划代码) of a town or village and the 18-character
unified social credit code (统一社会信用代码, GB 32100-2015) of a department."""

from __future__ import annotations

import re

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_DIVISION = re.compile(r"^[0-9]{12}$")
_USCC = re.compile(rf"^[{USCC_CHARS}]{{2}}[0-9]{{6}}[{USCC_CHARS}]{{10}}$")


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are `first17`."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_form(code: str) -> bool:
    """18 characters of the code's alphabet, characters 3-8 digits (a division code)."""
    return bool(_USCC.match(code))


def uscc_valid(code: str) -> bool:
    """The form right and the check character (the 18th) too."""
    return uscc_form(code) and uscc_check_char(code[:17]) == code[17]


def is_division_code(code: str) -> bool:
    return bool(_DIVISION.match(code))


def district_prefix(code: str) -> str:
    """The county-level part (first 6 digits) of a division code."""
    return code[:6]


def town_prefix(code: str) -> str:
    """The town-level part (first 9 digits) of a division code."""
    return code[:9]
