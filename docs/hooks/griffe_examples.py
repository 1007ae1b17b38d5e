"""A griffe extension for the API pages: the library's ``Example:`` sections render as examples.

The house style writes one ``Example:`` section per public docstring (run by pytest's doctests).
griffe's Google parser knows only the plural ``Examples:`` as an examples section (code blocks of
``>>>`` lines); the singular becomes a Markdown admonition whose output lines Markdown then reads as
text. This extension renames the section before griffe parses it, without touching the sources.
"""

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Rename ``Example:`` to ``Examples:`` in every loaded docstring."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite the docstring of each object griffe loads."""
        if obj.docstring is not None:
            obj.docstring.value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
