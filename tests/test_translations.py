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


def test_no_translation_brings_a_percent_sign_its_message_does_not_format():
    """Templates format every message (Jinja's new-style gettext), so a stray % in a Chinese
    label would break the page that shows it."""
    with open(ROOT / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    stray = [m.id for m in catalog if m.id and isinstance(m.string, str)
             and "%" not in m.id and "%" in m.string]
    assert stray == []
