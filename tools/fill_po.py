"""Fill translations into a catalog from a JSON object {msgid: translation} on stdin.

    echo '{"Unit code": "单位编码"}' | .venv/bin/python tools/fill_po.py \
        webapp/admin/translations/zh_CN/LC_MESSAGES/messages.po

Clears the fuzzy flag of each message it fills and prints the msgids still untranslated;
then `pybabel compile -d <translations dir>`.
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(path: str) -> None:
    table = json.load(sys.stdin)
    with open(path, "rb") as f:
        catalog = read_po(f)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in table:
            message.string = table[key]
            message.flags.discard("fuzzy")
            message.previous_id = []
        elif not message.string:
            missing.append(key)
    with open(path, "wb") as f:
        write_po(f, catalog, width=100)
    print("untranslated:", missing)


if __name__ == "__main__":
    main(sys.argv[1])
