"""Helpers for assertions shared by test modules."""

from __future__ import annotations

import re


def text_of(response) -> str:
    """A response's visible text, tags stripped and white space folded, for assertions on what a user reads."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
