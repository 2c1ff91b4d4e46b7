"""Sphinx configuration: the guide (docs/guide) and the API reference from the docstrings.

Built offline by ``make docs``: no intersphinx, no remote themes; warnings are errors there.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hearth import __version__  # noqa: E402

project = "Hearth"
author = "the Hearth developers"
copyright = "the Hearth developers"  # noqa: A001
release = version = __version__

extensions = ["sphinx.ext.autodoc"]
autodoc_typehints = "description"  # the signatures are typed: show the types beside each parameter
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
nitpicky = False
# Annotations such as ``type[ObjT]`` meet the many attributes named ``type``: not a real ambiguity.
suppress_warnings = ["ref.python"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list[str] = []
