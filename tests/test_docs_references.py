"""Code, tests and docs cite only documents that ship in the repository."""
import os
import re

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FOLDERS = ("gluonx", "plugins", "tests", "docs", "tools", "benchmarks", "examples")
# Built from parts so this file does not match itself.
OUTSIDE_DOCUMENT = re.compile(r"\b" + "DES" + r"IGN(\.md|\s*§|\s+section)")
DOCS_LINK = re.compile(r"\bdocs/([\w/.-]+\.md)\b")


def text_files():
    for folder in FOLDERS:
        for directory, dirnames, filenames in os.walk(os.path.join(ROOT, folder)):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"
                           and not d.endswith(".egg-info")]
            for filename in filenames:
                if filename.endswith((".py", ".md", ".cfg", ".toml", ".txt")):
                    yield os.path.join(directory, filename)


def test_no_citation_of_a_design_document_outside_the_repository():
    found = []
    for path in text_files():
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if OUTSIDE_DOCUMENT.search(line):
                    found.append("{}:{}: {}".format(os.path.relpath(path, ROOT), number, line.strip()))
    assert not found, "cite the project's docs instead:\n" + "\n".join(found)


def test_cited_docs_pages_exist():
    missing = []
    for path in text_files():
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                for page in DOCS_LINK.findall(line):
                    if not os.path.exists(os.path.join(ROOT, "docs", page)):
                        missing.append("{}:{}: docs/{}".format(os.path.relpath(path, ROOT), number, page))
    assert not missing, "\n".join(missing)
