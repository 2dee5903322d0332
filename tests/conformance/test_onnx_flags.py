"""An entry flagged "no ONNX" really fails to convert, and its recorded reason names the op that fails (or
quotes the converter's message).

``tests/conformance/test_conformance.py`` runs ONNX parity on every entry that claims it; this file checks
the other side of the flag: every registered entry that exports but says ``onnx=False`` is converted
anyway, must fail, and the reason its description records (the text docs/export_support.md shows, from
``tools/export_support.py``) must name the operator that the converter or onnxruntime rejected, or quote
the converter's message. A block built here from an operator with no converter keeps the case list from
ever being empty (and tests the rule itself) once every registered entry converts.
"""
import importlib.util
import os
import re

import pytest

mx = pytest.importorskip("mxnet")
pytest.importorskip("onnxruntime")

import gluonx  # noqa: E402
from gluonx.testing import build_entry, check_onnx, conformance_entries, entry_inputs  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load_tool():
    spec = importlib.util.spec_from_file_location("export_support_tool",
                                                  os.path.join(ROOT, "tools", "export_support.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _load_tool()


class ErfInv(mx.gluon.HybridBlock):
    """``erfinv(tanh(x) / 2)``: MXNet's ONNX exporter has no converter for ``erfinv``."""

    def hybrid_forward(self, F, x):
        return F.erfinv(F.tanh(x) * 0.5)


NO_CONVERTER = gluonx.BlockInfo(
    name="erfinv_block", factory=ErfInv, plugin="tests", book_section="-",
    description="erfinv of a squashed input; no ONNX: mx.onnx has no converter for op erfinv",
    inputs=[gluonx.InputSpec((2, 3), low=-1, high=1)], onnx=False)

CASES = [info for info in conformance_entries() if info.export and not info.onnx] + [NO_CONVERTER]

#: How the exporter and onnxruntime name the operator they reject.
FAILED_OP = (re.compile(r"conversion function registered for op type (\w+)"), re.compile(r"\bOp \((\w+)\)"))


def test_the_case_list_holds_the_built_in_case():
    assert CASES[-1] is NO_CONVERTER and len(CASES) >= 1


@pytest.mark.parametrize("info", CASES, ids=lambda info: "{}:{}".format(info.kind, info.name))
def test_entry_flagged_no_onnx_fails_to_convert_for_the_recorded_reason(info):
    if not info.extra_installed:
        pytest.skip("extra '{}' is not installed: {}".format(info.extra, info.install_hint))
    reason = TOOL._reason(info, ("onnx",))
    assert reason != TOOL.NO_REASON, "{} says no ONNX without saying why".format(info.name)
    inputs, more = entry_inputs(info)
    axes = [spec.batch_axis for spec in info.inputs] if info.dynamic_batch else None
    with pytest.raises(Exception) as failure:
        check_onnx(build_entry(info), inputs, more if axes else (), batch_axes=axes, rtol=info.rtol,
                   atol=info.atol)
    message = str(failure.value)
    ops = [match.group(1) for pattern in FAILED_OP for match in pattern.finditer(message)]
    quoted = re.findall(r"'([^']{12,})'", reason)
    assert any(op in reason for op in ops) or any(text in message for text in quoted), (
        "{}: the recorded reason must name the rejected op {} or quote the converter's message; ONNX "
        "conversion failed with: {}; the reason is: {}".format(info.name, ops, message[:300], reason))
