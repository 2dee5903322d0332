"""A plugin's conformance suite cannot pass with zero cases: ``conformance_entries`` refuses an empty list."""
import textwrap

import pytest

from gluonx.testing import conformance_entries
from plugin_fixtures import write_distribution

BROKEN = '''
raise ImportError("No module named 'a_dependency_that_is_missing'")
'''

#: What examples/plugin-template/tests does, for a plugin called "broken".
SUITE = '''
import pytest
from gluonx.testing import check_entry, conformance_entries

@pytest.mark.parametrize("info", conformance_entries(plugin="broken"), ids=lambda info: info.name)
def test_conformance(info):
    assert "hybridize" in check_entry(info)
'''


def test_no_matching_entry_raises_naming_the_filter():
    with pytest.raises(LookupError, match=r"conformance_entries\(plugin='no_such_plugin'\) matched no model, "
                                          r"block or loss.*no plugin called 'no_such_plugin'"):
        conformance_entries(plugin="no_such_plugin")
    with pytest.raises(LookupError, match=r"pattern='nothing\*'"):
        conformance_entries("nothing*")


def test_core_entries_are_found():
    names = [info.name for info in conformance_entries("lenet*", plugin="core")]
    assert names == ["lenet", "lenet_bn"]


def test_a_plugin_suite_fails_when_its_plugin_fails_to_load(tmp_path, run_gluonx):
    write_distribution(tmp_path, "gluonx-broken", "broken", "gluonx_broken_plugin", BROKEN)
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_broken_conformance.py").write_text(textwrap.dedent(SUITE))
    result = run_gluonx("-q", "-p", "no:cacheprovider", str(suite), path=[tmp_path],
                        code="import sys, pytest; sys.exit(pytest.main(sys.argv[1:]))")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "matched no model, block or loss" in output
    assert "plugin 'broken' failed to load" in output and "a_dependency_that_is_missing" in output
