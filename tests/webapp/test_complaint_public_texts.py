"""What the villager reads (issue 18, item 8): a wrong code says how many tries remain
(plural forms through the catalog), and the public category names are the ones staff see,
in both languages and in the Open311 service list."""

from __future__ import annotations

import re

from flask import Flask

from tests.webapp.conftest import Public
from webapp.core import i18n
from workflows.complaints.forms import CATEGORIES, CATEGORY_LABELS


def _tries(page: str) -> str:
    match = re.search(r'<p id="tries-left">([^<]+)</p>', page)
    assert match, "the page does not say how many tries remain"
    return match.group(1)


def test_a_wrong_code_says_how_many_tries_remain(public_for: object) -> None:
    public: Public = public_for(PUBLIC_LOOKUP_LIMIT="3 per 15 minutes")  # type: ignore[operator]
    first = public.track("1234 5678 9012 3456")
    assert first.status_code == 404
    assert _tries(first.get_data(as_text=True)) == "现在还可以再试2次；之后需要等待一段时间。"
    public.client.get("/report/track?lang=en")
    second = public.track("1234 5678 9012 3457")
    assert _tries(second.get_data(as_text=True)) == (
        "You may try 1 more code now; after that you will have to wait a while.")
    third = public.track("1234 5678 9012 3458")
    assert _tries(third.get_data(as_text=True)).startswith("That was the last try for now")
    assert public.track("1234 5678 9012 3459").status_code == 429


def test_public_and_staff_category_names_agree(public_app: Flask) -> None:
    client = public_app.test_client()
    for lang in ("zh_CN", "en"):
        public_page = client.get(f"/report?lang={lang}").get_data(as_text=True)
        with public_app.test_request_context(f"/?lang={lang}"):
            for code in CATEGORIES:
                staff_name = i18n.choice_label(code)
                option = re.search(rf'<option value="{code}"[^>]*>([^<]+)</option>', public_page)
                assert option and option.group(1).strip() == staff_name, (lang, code)
                if lang == "zh_CN":
                    assert CATEGORY_LABELS[code] == staff_name  # Open311's service_name
    page = client.get("/report?lang=zh_CN").get_data(as_text=True)
    assert "政务APP、工作群、打卡和拍照留痕" in page
