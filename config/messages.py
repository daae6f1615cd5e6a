"""Compile the interface's translations (locale/<language>/LC_MESSAGES/django.po) into the .mo
files Django reads, with polib: no gettext tools needed. `make` runs it before serving or testing
(`python -m config.messages`); a .mo newer than its .po is left alone.
"""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def compile_messages():
    """Compile every .po that changed since its .mo; return the .mo files written."""
    written = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            polib.pofile(str(po)).save_as_mofile(str(mo))
            written.append(mo)
    return written


if __name__ == "__main__":
    for path in compile_messages():
        print(f"Compiled {path.relative_to(LOCALE.parent)}")
