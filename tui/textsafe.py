"""One sanitiser for text that came from Azure or a file, before it reaches a terminal, Markdown or a script.

Names, ids, messages and paths are data: a resource name carrying ESC must not colour (or rewrite) the
terminal, a newline in a name must not start a new Markdown block or an executable line of a shell script,
and ``[b]`` in a subscription name is not markup. Every output path goes through one of these:

- ``clean``: control characters (C0, DEL, C1), Unicode line/paragraph separators and bidirectional
  overrides (the "Trojan Source" characters, CVE-2021-42574) become visible escapes such as ``\\x1b``;
  newlines too unless ``multiline``;
- ``markdown``: ``clean`` plus a backslash before every CommonMark inline metacharacter;
- ``code_span``: a Markdown code span that the text cannot close early;
- ``shell_arg`` / ``shell_comment``: a shell word that is exactly the text (ANSI-C ``$'...'`` quoting when the
  text holds control characters, so the script itself holds none), and a comment that stays one line;
- ``markup``: ``clean`` plus escaped ``[`` for Textual's content markup (``Content.from_markup``).

Pure functions, no imports from the product: usable by every layer.
"""

from __future__ import annotations

import re
import shlex

# C0 controls, DEL, C1 controls; line/paragraph separators; bidi embeddings, overrides and isolates; the
# implicit directional marks (LRM, RLM, ALM) that reorder what the reader sees.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_UNSAFE_MULTILINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# CommonMark: any ASCII punctuation may be backslash-escaped; these are the ones that start inline
# constructs (emphasis, code, links, images, autolinks/HTML, entities, GFM tables and strikethrough).
_MARKDOWN_META = re.compile(r"([\\`*_\[\]<>|~&!#])")


def _visible(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object, *, multiline: bool = False) -> str:
    """``text`` as a string whose unsafe characters are shown as escapes (``\\n``, ``\\x1b``, ``\\u202e``).

    With ``multiline``, newlines and tabs stay (a paragraph of detail); everything else is escaped.
    """
    s = "" if text is None else str(text)
    return (_UNSAFE_MULTILINE if multiline else _UNSAFE).sub(_visible, s)


def has_unsafe(text: str) -> bool:
    return _UNSAFE.search(text) is not None


def markdown(text: object, *, multiline: bool = False) -> str:
    """Text for a Markdown document: shown as written, never as formatting, links or HTML."""
    return _MARKDOWN_META.sub(r"\\\1", clean(text, multiline=multiline))


def code_span(text: object) -> str:
    """A Markdown code span around ``text``: the fence is longer than any run of backticks inside it."""
    s = clean(text)
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def markup(text: object) -> str:
    """Text for Textual's content markup (Static, Label, notify, options): no tags, no control characters."""
    return clean(text).replace("[", "\\[")  # Textual's markup: "\\[" is a literal "[", other "\\" stay


def shell_comment(text: object) -> str:
    """Text that stays inside one ``# ...`` comment line of a shell script."""
    return clean(text)


def _ansi_c(ch: str) -> str:
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if ch in "\\'":
        return "\\" + ch
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"  # bash: \xHH is a byte, so only for ASCII; the rest as \uHHHH (UTF-8)
    if has_unsafe(ch):
        return f"\\u{code:04x}"
    return ch


def shell_arg(text: object) -> str:
    """One shell word whose value is exactly ``text``; the script stays free of raw control characters.

    (A NUL cannot be in any argument: bash ends the word there, as every C program would.)"""
    s = "" if text is None else str(text)
    if not has_unsafe(s):
        return shlex.quote(s)
    return "$'" + "".join(_ansi_c(ch) for ch in s) + "'"
