"""Peak resident memory of a recipe's ``gluonx train`` run and of a batch-1 inference child, each measured as a
fresh process (``ru_maxrss`` of the waited-for child); shared by ``detection_memory.py`` and
``generative_energy.py``, which are its callers, not run by hand."""
import os
import subprocess
import sys
import time

_WRAPPER = ("import resource, subprocess, sys\n"
            "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n")


def peak_rss(command):
    """(peak RSS in MiB, exit code, wall seconds) of ``command`` run as a fresh process."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _WRAPPER] + command, check=True, capture_output=True, text=True)
    kib, code = out.stdout.split()[-2:]
    return int(kib) / 1024.0, int(code), time.perf_counter() - started


def measure_recipe(info, out, epochs, script, calls):
    """Train recipe ``info`` into ``out/<recipe>`` (``epochs`` instead of the recipe's when given), then run
    ``script --out OUT --infer RUN --calls CALLS`` (the caller's batch-1 inference child).

    Returns ``(run folder, {"recipe", "epochs", "train_peak_mib", "train_seconds", "infer_batch1_peak_mib"})``.
    """
    run = os.path.join(out, info.name)
    train = [sys.executable, "-m", "gluonx", "train", info.model, "--dataset", info.dataset, "--recipe", info.name,
             "--out", run, "--no-progress"] + (["--epochs", str(epochs)] if epochs else [])
    train_mib, code, train_s = peak_rss(train)
    if code:
        raise SystemExit("training {} failed (exit {}): {}".format(info.name, code, " ".join(train)))
    infer_mib, code, _ = peak_rss([sys.executable, os.path.abspath(script), "--out", out, "--infer", run,
                                   "--calls", str(calls)])
    if code:
        raise SystemExit("inference of {} failed (exit {})".format(run, code))
    return run, {"recipe": info.name, "epochs": epochs or info.epochs, "train_peak_mib": round(train_mib),
                 "train_seconds": round(train_s, 1), "infer_batch1_peak_mib": round(infer_mib)}
