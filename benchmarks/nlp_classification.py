"""Sentiment recipes end to end, each step in a fresh process: held-out accuracy against scikit-learn bag-of-words
baselines, and peak resident memory of training and of batch-1 inference (D2L 10.7-10.8).

For each registered recipe of the ``text-classification`` task (or those given with ``--recipes``):

1. ``gluonx train MODEL --dataset DATASET --recipe NAME --out DIR/NAME --no-progress`` (the full recipe);
2. ``gluonx export DIR/NAME --out DIR/NAME-export --onnx``;
3. ``gluonx predict DIR/NAME-export "one review" --backend B`` for MXNet and onnxruntime (batch 1: import, load the
   export, tokenize, one call).

Peak RSS is the maximum resident set size ``/usr/bin/time -f %M`` reports for that process (the small ``time``
binary, not a forked Python, is what ``exec`` replaces, so nothing of this script's memory is carried over).
Usage::

    python benchmarks/nlp_classification.py --out /tmp/nlp-cls
"""
import argparse
import json
import os
import subprocess
import sys
import time

REVIEW = "the plot was not good but the acting was great"


def measured(command):
    """(peak RSS in MiB, wall seconds, stdout) of ``command`` run under ``/usr/bin/time``."""
    started = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("{} failed: {}".format(" ".join(command), out.stderr[-2000:]))
    kib = int(out.stderr.strip().splitlines()[-1])
    return kib / 1024.0, time.perf_counter() - started, out.stdout


def baselines(dataset):
    import gluonx
    from gluonx_nlp.classification.baseline import bag_of_words_baseline
    train, test = gluonx.get_dataset(dataset, train=True), gluonx.get_dataset(dataset, train=False)
    return {"bag of words": bag_of_words_baseline(train.texts, train.labels, test.texts, test.labels),
            "bag of words + word pairs": bag_of_words_baseline(train.texts, train.labels, test.texts, test.labels,
                                                               ngram_range=(1, 2))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--recipes", nargs="*")
    args = parser.parse_args(argv)
    import gluonx
    recipes = args.recipes or [r.name for r in gluonx.registry("recipes").infos()
                               if gluonx.get_model_info(r.model).task == "text-classification"]
    gluonx_cli = [sys.executable, "-m", "gluonx"]
    rows, datasets = [], set()
    for name in recipes:
        recipe = gluonx.get_recipe_info(name)
        datasets.add(recipe.dataset)
        run, export = os.path.join(args.out, name), os.path.join(args.out, name + "-export")
        train_rss, train_s, _ = measured(gluonx_cli + ["train", recipe.model, "--dataset", recipe.dataset, "--recipe",
                                                       name, "--out", run, "--no-progress"])
        with open(os.path.join(run, "summary.json"), encoding="utf-8") as handle:
            summary = json.load(handle)
        measured(gluonx_cli + ["export", run, "--out", export, "--onnx", "--force"])
        inference = {backend: measured(gluonx_cli + ["predict", export, REVIEW, "--backend", backend])[0]
                     for backend in ("mxnet", "onnxruntime")}
        rows.append((name, summary["epochs"], summary["test_accuracy"], train_rss, train_s, inference["mxnet"],
                     inference["onnxruntime"]))
    print("| recipe | epochs | test accuracy | training peak RSS | training wall s | batch-1 inference peak RSS "
          "(MXNet) | (onnxruntime) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, epochs, accuracy, rss, seconds, mxnet_rss, ort_rss in rows:
        print("| `{}` | {} | {:.3f} | {:.0f} MiB | {:.0f} | {:.0f} MiB | {:.0f} MiB |".format(
            name, epochs, accuracy, rss, seconds, mxnet_rss, ort_rss))
    for dataset in sorted(datasets):
        for label, accuracy in baselines(dataset).items():
            print("baseline on {}: {} (scikit-learn LogisticRegression): {:.3f}".format(dataset, label, accuracy))
    print("load average at the end: {:.1f}".format(os.getloadavg()[0]))


if __name__ == "__main__":
    main()
