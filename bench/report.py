"""docs/performance.md is made of sections, each owned by one benchmark, which rewrites only its own."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
HEADER = """# Performance

Figures measured by the benchmarks under `bench/` (`make bench`); each section is rewritten by
the benchmark that owns it. Times are server times on this project's 2-core machine; they are
not asserted by tests (query counts are, in `tests/`).
"""


def write_section(title, body, *, doc=DOC):
    """Replace the section `title` of `doc` (or add it at the end), leaving the rest as it is."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else HEADER
    start, end = f"<!-- {title}: start -->", f"<!-- {title}: end -->"
    section = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: section, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section + "\n"
    )
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")
