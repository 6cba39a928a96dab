"""The README's project layout names only files that exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def layout_section(text):
    start = text.index("## Project layout")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def named_files(section):
    """Every ``name.py`` (or ``folder/name.py``) the section names, as written."""
    return sorted(set(re.findall(r"`([\w./]+\.py)`", section)))


def missing_files(section):
    python_files = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py")
                    if ".venv" not in p.parts}
    return [name for name in named_files(section)
            if not any(f == name or f.endswith("/" + name) for f in python_files)]


def test_every_file_the_layout_names_exists():
    section = layout_section((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(named_files(section)) > 20
    assert missing_files(section) == []


def test_a_renamed_file_would_be_seen():
    assert missing_files("| `convgui/batch.py` | the old name |") == ["convgui/batch.py"]
