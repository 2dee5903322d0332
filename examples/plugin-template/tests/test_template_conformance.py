"""How a third-party plugin runs gluonx's conformance kit over its own entries."""
import pytest

from gluonx.testing import check_entry, conformance_entries


@pytest.mark.parametrize("info", conformance_entries(plugin="template"), ids=lambda info: info.name)
def test_conformance(info):
    assert "hybridize" in check_entry(info)
