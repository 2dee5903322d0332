"""Peak resident memory of the ``fcn_resnet18-segmentation_shapes`` recipe: its ``gluonx train`` run and batch-1
inference of its export (MXNet symbol and ONNX), each in a fresh process.

1. ``gluonx train fcn_resnet18 --dataset segmentation_shapes --out DIR/run --no-progress`` (``--epochs N`` if
   given: the sample cache is full after the first epoch, later epochs reuse the same buffers);
2. ``gluonx export DIR/run --out DIR/export --onnx`` (not measured);
3. batch-1 inference with ``gluonx.Predictor`` (backend ``mxnet``, then ``onnxruntime``): load the export and
   segment one held-out scene ``--calls`` times (``predict_image``: letterbox, run, mask back to the picture).

Each figure is the peak RSS of the child process alone, read from ``/proc/self/status`` (``VmHWM``) in the child
just before it exits (``ru_maxrss`` of a child would carry the high-water mark of the process ``execve``
replaced). Usage::

    python benchmarks/segmentation_memory.py --epochs 1 --out /tmp/seg-memory
"""
import argparse
import os
import subprocess
import sys
import time

_CHILD = ("import sys\n"
          "{body}\n"
          "with open('/proc/self/status') as handle:\n"
          "    print([line.split()[1] for line in handle if line.startswith('VmHWM')][0], code)\n")

_TRAIN = "from gluonx.cli import main\ncode = main(sys.argv[1:])"

_INFER = ("from gluonx.deploy import Predictor\n"
          "predictor = Predictor(sys.argv[1], backend=sys.argv[2])\n"
          "for _ in range(int(sys.argv[4])):\n"
          "    predictor.predict_image(sys.argv[3], named=True)\n"
          "code = 0")


def peak_rss(body, argv):
    """(peak RSS in MiB, exit code, wall seconds) of a fresh Python process running ``body``."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CHILD.format(body=body)] + [str(a) for a in argv], check=True,
                         stdout=subprocess.PIPE, text=True)
    kib, code = out.stdout.split()[-2:]
    return int(kib) / 1024.0, int(code), time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the run, the export and the picture")
    parser.add_argument("--epochs", type=int, default=None, help="train this many epochs (default: the recipe's)")
    parser.add_argument("--calls", type=int, default=20, help="inference calls per backend")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    run, export = os.path.join(args.out, "run"), os.path.join(args.out, "export")
    train = ["train", "fcn_resnet18", "--dataset", "segmentation_shapes", "--out", run, "--no-progress"]
    if args.epochs:
        train += ["--epochs", args.epochs]
    rows = [("`gluonx train` ({} epoch(s))".format(args.epochs or "the recipe's"),) + peak_rss(_TRAIN, train)]
    subprocess.run([sys.executable, "-m", "gluonx", "export", run, "--out", export, "--onnx"], check=True,
                   stdout=subprocess.DEVNULL)
    import gluonx
    from PIL import Image
    picture = os.path.join(args.out, "scene.png")
    Image.fromarray(gluonx.get_dataset("segmentation_shapes", train=False, num_images=1)[0][0]).save(picture)
    for backend in ("mxnet", "onnxruntime"):
        rows.append(("batch-1 inference, {} ({} calls)".format(backend, args.calls),)
                    + peak_rss(_INFER, [export, backend, picture, args.calls]))
    print("| process | peak RSS | exit code | wall seconds |")
    print("|---|---:|---:|---:|")
    for name, mib, code, seconds in rows:
        print("| {} | {:.0f} MiB | {} | {:.0f} |".format(name, mib, code, seconds))


if __name__ == "__main__":
    main()
