"""notebooks/walkthrough.ipynb runs top to bottom on the sample data (so it cannot rot) and is committed clean."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "walkthrough.ipynb"


def test_notebook_is_committed_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the walkthrough has no code"
    assert all(not c.outputs and c.execution_count is None for c in code), \
        "clear the outputs before committing (jupyter nbconvert --clear-output --inplace notebooks/walkthrough.ipynb)"


def _kernel_name() -> str:
    """The `python3` kernel of this interpreter; installed for the user when the spec is missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        import subprocess

        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"],
                       check=True, capture_output=True)
    return "python3"


@pytest.mark.slow
def test_walkthrough_executes_on_sample_data(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel", reason="ipykernel is needed to run the notebook")
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=110, kernel_name=_kernel_name(),
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        if getattr(exc, "ename", "") == "NotImplementedError":  # pragma: no cover - while a module is a stub
            pytest.skip(f"pipeline not complete yet: {exc.evalue}")
        raise
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3, "expected the score distribution, calibration and evidence plots"
    text = "".join(o.get("text", "") for o in outputs)
    assert "Brier score" in text and "report.html" in text and "absent claimants with a true relative" in text
