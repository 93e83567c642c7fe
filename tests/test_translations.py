"""Chinese first: every string the code and templates mark for translation has a Chinese text."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "N_": None}


def _marked() -> dict[str, str]:
    """msgid → where it is first marked, as `make extract-messages` finds them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_marked_string_has_a_chinese_translation():
    with open(ROOT / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    missing = []
    for msgid, where in _marked().items():
        entry = catalog.get(msgid)
        text = entry.string if entry is not None else None
        if not (all(text) if isinstance(text, tuple) else text):
            missing.append(f"{where}: {msgid}")
    assert missing == [], "run `make extract-messages` and translate:\n" + "\n".join(missing)
