#!/usr/bin/env python3
"""Holds the documentation to what the project promises its readers.

Fails on
* a dead relative link in the repository's Markdown: every [text](target)
  whose target is not a URL, resolved relative to the file that holds it (an
  #anchor must name a heading of the target);
* a docs/... (or other *.md) path cited in a C++/Python/shell comment that
  does not exist (resolved from the repository root);
* a README longer than one screen of 200 lines (the rest belongs in docs/);
* a figure's machine named as "this VM" / "this machine", or a path outside
  the repository (../shared): a reader has neither.

Usage: check_docs.py REPO_DIR
"""
import pathlib
import re
import sys

repo = pathlib.Path(sys.argv[1]).resolve()
skip = {"build", "build-asan", ".git"}
link = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
cited = re.compile(r"(?<![\w/.-])((?:docs|data|tools|tests|bench|src|include)/[\w./-]+\.md)\b")
problems = []


def anchors(path):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            names.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return names


def files(pattern):
    for path in sorted(repo.rglob(pattern)):
        if not skip.intersection(path.relative_to(repo).parts):
            yield path


for md in files("*.md"):
    text = md.read_text(encoding="utf-8")
    # Links inside code blocks are examples, not links.
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for number, line in enumerate(text.splitlines(), 1):
        for target in link.findall(line):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path, _, anchor = target.partition("#")
            resolved = (md.parent / path).resolve()
            where = f"{md.relative_to(repo)}: link '{target}'"
            if not resolved.exists():
                problems.append(f"{where}: no such file")
            elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                problems.append(f"{where}: no heading with anchor '#{anchor}'")

for pattern in ("*.h", "*.cpp", "*.py", "*.sh"):
    for source in files(pattern):
        for number, line in enumerate(source.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for path in cited.findall(line):
                if not (repo / path).exists():
                    problems.append(f"{source.relative_to(repo)}:{number}: cites '{path}', which does not exist")

readme_lines = (repo / "README.md").read_text(encoding="utf-8").count("\n")
if readme_lines > 200:
    problems.append(f"README.md: {readme_lines} lines; keep it to one screen of 200 and move the rest to docs/")

outside = re.compile(r"\.\./shared|this VM|on this machine|this machine's")
for md in files("*.md"):
    for number, line in enumerate(md.read_text(encoding="utf-8").splitlines(), 1):
        if outside.search(line):
            problems.append(f"{md.relative_to(repo)}:{number}: names a machine or folder the reader does not have: "
                            f"'{outside.search(line).group(0)}'")

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
