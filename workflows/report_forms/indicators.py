"""The "one form" (一套表): the village basic-information indicators every department reuses.

Each indicator has a definition, a unit, the data steward department (its org unit code), how
often it is updated (the period a value belongs to) and its valid range. A form field mapped to
an indicator is pre-filled from the village's value; a field a form declares new is that form's
own (`form_key`). The list is the district's statutory set (measure 3: 法定统计指标统一纳入);
changing it is a code change, reviewed like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

FREQUENCIES: tuple[str, ...] = ("monthly", "quarterly", "yearly")


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str
    unit: str
    steward: str  # org unit code of the data steward department
    frequency: str  # monthly | quarterly | yearly
    low: Decimal
    high: Decimal
    whole: bool = True  # whole numbers only

    @property
    def text(self) -> str:
        """What the field matching compares (name, definition and unit)."""
        return f"{self.name}。{self.definition}（{self.unit}）"


def _i(code: str, name: str, definition: str, unit: str, steward: str, frequency: str,
       high: int, whole: bool = True) -> Indicator:
    return Indicator(code, name, definition, unit, steward, frequency, Decimal(0),
                     Decimal(high), whole)


INDICATORS: tuple[Indicator, ...] = (
    _i("POP_REG", "户籍人口", "在本村登记户籍的常住及外出人口总数", "人", "qtjj", "yearly",
       50000),
    _i("POP_RES", "常住人口", "在本村居住半年以上的人口数", "人", "qtjj", "yearly", 50000),
    _i("HOUSEHOLDS", "户籍户数", "在本村登记户籍的户数", "户", "qtjj", "yearly", 20000),
    _i("POP_OUT", "外出务工人数", "离开本村外出务工半年以上的劳动力人数", "人", "qrsj",
       "quarterly", 30000),
    _i("LOW_INCOME_HH", "低保户数", "享受农村最低生活保障的家庭户数", "户", "qmzj", "monthly",
       5000),
    _i("LOW_INCOME_POP", "低保人数", "享受农村最低生活保障的人数", "人", "qmzj", "monthly",
       10000),
    _i("EXTREME_POOR", "特困供养人数", "纳入特困人员救助供养的人数", "人", "qmzj", "monthly",
       2000),
    _i("MONITORED_HH", "防返贫监测户数", "纳入防止返贫动态监测的农户数", "户", "qxczxj",
       "monthly", 5000),
    _i("ELDERLY_60", "60岁以上老年人数", "户籍人口中年满60周岁的人数", "人", "qmzj", "yearly",
       20000),
    _i("PARTY_MEMBERS", "党员人数", "村党组织的正式党员和预备党员人数", "人", "qwzzb", "yearly",
       2000),
    _i("ARABLE_LAND", "耕地面积", "本村实有耕地面积", "亩", "qnyw", "yearly", 100000, False),
    _i("GRAIN_AREA", "粮食播种面积", "本年度粮食作物播种面积", "亩", "qnyw", "yearly", 100000,
       False),
    _i("COLLECTIVE_INCOME", "村集体经济收入", "村集体经济组织本年度经营性收入", "万元", "qnyw",
       "yearly", 100000, False),
    _i("MEDICAL_INSURED", "城乡居民医保参保人数", "参加城乡居民基本医疗保险的人数", "人",
       "qrsj", "yearly", 50000),
    _i("PENSION_INSURED", "城乡居民养老保险参保人数", "参加城乡居民基本养老保险的人数", "人",
       "qrsj", "yearly", 50000),
    _i("DISABLED", "持证残疾人数", "持有残疾人证的户籍人口数", "人", "qmzj", "yearly", 5000),
)
BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


def get(code: str) -> Indicator | None:
    return BY_CODE.get(code)


def period_of(frequency: str, day: date) -> str:
    """The period a value updated at `frequency` belongs to on `day`: 2026 | 2026-Q4 |
    2026-12."""
    if frequency == "monthly":
        return f"{day.year:04d}-{day.month:02d}"
    if frequency == "quarterly":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def check_value(indicator: Indicator | None, raw: str) -> str:
    """The value as stored (a plain decimal string), or ValueError saying what is wrong."""
    if not raw.strip():
        raise ValueError("empty")
    if indicator is None:  # a form's own field: a short text or number as entered
        if len(raw.strip()) > 40:
            raise ValueError("too long")
        return raw.strip()
    text = raw.strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation as err:
        raise ValueError("not a number") from err
    if not number.is_finite() or len(text) > 20:
        raise ValueError("not a number")
    if indicator.whole and number != number.to_integral_value():
        raise ValueError("whole number")
    if not indicator.low <= number <= indicator.high:
        raise ValueError("out of range")
    return format(number.normalize(), "f")
