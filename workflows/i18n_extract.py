"""A Babel extractor for definition files: every `label = "…"` and choice label is a msgid.

Registered in babel.cfg, so `make extract-messages` picks up stage, field and role labels.
"""
import re

_LABEL = re.compile(r'label\s*=\s*"([^"]+)"')
_LISTS = re.compile(r"\s*(fields|reviews)\s*=")  # lists of names, not of labels
_CHOICE = re.compile(r'\[\s*"[^"]*"\s*,\s*"([^"]+)"\s*\]')


def extract(fileobj, keywords, comment_tags, options):
    for number, raw in enumerate(fileobj, start=1):
        line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if line.lstrip().startswith("#") or _LISTS.match(line):
            continue
        for pattern in (_LABEL, _CHOICE):
            for match in pattern.finditer(line):
                yield number, None, match.group(1), []
