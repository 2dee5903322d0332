"""Peak resident memory of the directed generative recipes: training (`gluonx train`) and batch-1 inference
of the exported generator (`gluonx.Predictor`, MXNet symbol and onnxruntime), each in a fresh process.

    OMP_NUM_THREADS=1 python benchmarks/generative_memory.py [--epochs N] [--recipes vae-digits,...] [--out DIR]

The peak is the child's ``ru_maxrss`` (``os.wait4``), so it covers MXNet's import, the data, the model and
the optimizer state. ``--epochs`` shortens the runs (the peak is reached in the first epoch: nothing grows
from one epoch to the next); the default is each recipe's own epochs. Results: docs/benchmarks.md.
"""
import argparse
import os
import subprocess
import sys
import tempfile

RECIPES = {"vae-digits": ("vae", "digits"), "vae-binarized_digits": ("vae", "binarized_digits"),
           "dcgan-digits": ("dcgan", "digits"), "mlp_gan-eight_gaussians": ("mlp_gan", "eight_gaussians"),
           "gmmn-eight_gaussians": ("gmmn", "eight_gaussians")}

_INFERENCE = """
import numpy as np, gluonx
predictor = gluonx.Predictor({folder!r}, backend={backend!r})
noise = np.random.RandomState(0).standard_normal((1,) + tuple(predictor.inputs[0]["shape"][1:])).astype("float32")
for _ in range(20):
    predictor.predict_flat(noise)
"""


def peak_rss(command):
    """Run ``command``; return (exit code, peak resident set size in MiB) of that process tree's main process."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.stderr.write(process.stderr.read().decode(errors="replace")[-2000:])
    return process.returncode, usage.ru_maxrss / 1024.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--out", default=None, help="keep the runs and exports here (default: a temporary folder)")
    args = parser.parse_args()
    root = args.out or tempfile.mkdtemp(prefix="gluonx-generative-memory-")
    rows = []
    for recipe in args.recipes.split(","):
        model, dataset = RECIPES[recipe]
        run, exported = os.path.join(root, recipe), os.path.join(root, recipe + "-export")
        command = [sys.executable, "-m", "gluonx", "train", model, "--dataset", dataset, "--out", run, "--no-progress"]
        if args.epochs:
            command += ["--epochs", str(args.epochs)]
        code, train_mib = peak_rss(command)
        if code:
            rows.append((recipe, "failed", "-", "-"))
            continue
        subprocess.run([sys.executable, "-m", "gluonx", "export", run, "--out", exported, "--onnx"], check=True,
                       stdout=subprocess.DEVNULL)
        inference = [peak_rss([sys.executable, "-c", _INFERENCE.format(folder=exported, backend=backend)])[1]
                     for backend in ("mxnet", "onnxruntime")]
        rows.append((recipe, "{:.0f}".format(train_mib), "{:.0f}".format(inference[0]), "{:.0f}".format(inference[1])))
        print("| {} | {} | {} | {} |".format(*rows[-1]), flush=True)
    print("\n| recipe | training peak RSS (MiB) | batch-1 inference, MXNet symbol (MiB) | batch-1 inference, "
          "onnxruntime (MiB) |\n|---|---|---|---|")
    for row in rows:
        print("| {} | {} | {} | {} |".format(*row))


if __name__ == "__main__":
    main()
