"""The examples of docs/training.md's section on steps, optimizers and tasks run as written."""
import os
import re

import pytest

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "training.md")


def _examples():
    text = open(DOC, encoding="utf-8").read()
    section = text.split("## Steps, several optimizers, tasks", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


EXAMPLES = _examples()


def test_the_section_has_its_four_examples():
    assert len(EXAMPLES) == 4  # a custom step, a GAN, TBPTT, a custom task


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_runs(index, capsys):
    exec(compile(EXAMPLES[index], "docs/training.md example {}".format(index), "exec"), {"__name__": "__doc__"})
    printed = capsys.readouterr().out
    assert printed.strip(), "the example prints its result"
    if index == 3:
        assert printed.startswith("['test accuracy: 0.9") or printed.startswith("['test accuracy: 1.0"), printed
