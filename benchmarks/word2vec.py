"""word2vec on the embedded corpus: gluonx (skip-gram, negative sampling, gluonx.Trainer) against gensim's
Word2Vec with the same settings, in one run: words/s (wall and per CPU-second), the rank correlation of the
two models' similarities, and the peak resident memory of the recipe's `gluonx train` run.

    OMP_NUM_THREADS=1 python benchmarks/word2vec.py [--repeats 3] [--epochs 5] [--json out.json]

Words/s = words of the corpus (after min_count, before subsampling) x epochs / seconds of training (the
vocabulary is built before the clock starts for both). Medians over the repeats; the runs are interleaved.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

SETTINGS = dict(embed_size=100, window=5, negatives=5, sample=1e-3, min_count=5)


def frequent_pair_correlation(first, second, words):
    """Spearman correlation of the cosine similarities of every pair of ``words`` under two embeddings."""
    from scipy.stats import spearmanr

    def cosines(vectors):
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        upper = np.triu_indices(len(words), k=1)
        return (unit @ unit.T)[upper]
    return float(spearmanr(cosines(first), cosines(second)).correlation)


def train_ours(corpus, epochs, seed, batch_size=1024, lr=0.005):
    import gluonx
    from gluonx_nlp.embedding.tasks import Word2VecTask
    net = gluonx.get_model("skipgram_ns", vocab_size=corpus.vocab_size, embed_size=SETTINGS["embed_size"])
    task = Word2VecTask(window=SETTINGS["window"], negatives=SETTINGS["negatives"], sample=SETTINGS["sample"])
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": lr}, task=task, seed=seed)
    wall, cpu = time.perf_counter(), time.process_time()
    trainer.fit(corpus, epochs=epochs, batch_size=batch_size)
    return net.embedding_matrix(), time.perf_counter() - wall, time.process_time() - cpu


def train_gensim(sentences, epochs, seed, workers):
    from gensim.models import Word2Vec
    model = Word2Vec(vector_size=SETTINGS["embed_size"], window=SETTINGS["window"], min_count=SETTINGS["min_count"],
                     sg=1, hs=0, negative=SETTINGS["negatives"], sample=SETTINGS["sample"], seed=seed,
                     workers=workers)
    model.build_vocab(sentences)
    wall, cpu = time.perf_counter(), time.process_time()
    model.train(sentences, total_examples=len(sentences), epochs=epochs)
    return model, time.perf_counter() - wall, time.process_time() - cpu


def recipe_peak_rss(model, epochs):
    """Peak RSS (MiB) of `gluonx train MODEL --dataset python_docs_word_ids` in a fresh process."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "gluonx", "train", model, "--dataset", "python_docs_word_ids",
                   "--epochs", str(epochs), "--no-progress", "--out", os.path.join(out, "run")]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
        elapsed = time.perf_counter() - started
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--no-memory", action="store_true", help="skip the recipe's peak-RSS run")
    parser.add_argument("--json", help="write every measurement here")
    args = parser.parse_args(argv)

    from gluonx_nlp.data.embedded import PythonDocsSentences
    from gluonx_nlp.embedding.corpus import WordIdCorpus
    sentences = PythonDocsSentences().sentences
    corpus = WordIdCorpus(sentences, min_count=SETTINGS["min_count"])
    words = corpus.num_tokens * args.epochs
    runs = {"gluonx": [], "gensim workers=1": [], "gensim workers=2": []}
    correlations, gensim_pairs = [], []
    frequent = corpus.idx_to_token[1:201]  # the 200 most frequent words
    rows = [corpus.vocab.token_to_idx[w] for w in frequent]
    for repeat in range(args.repeats):
        ours, wall, cpu = train_ours(corpus, args.epochs, seed=repeat)
        runs["gluonx"].append((wall, cpu))
        models = []
        for workers in (1, 2):
            # the second gensim model has its own seed: gensim vs gensim shows the spread between two seeds
            model, wall, cpu = train_gensim(sentences, args.epochs, seed=repeat + 1000 * (workers - 1),
                                            workers=workers)
            runs["gensim workers={}".format(workers)].append((wall, cpu))
            models.append(model)
        theirs = np.stack([models[0].wv[w] for w in frequent])
        correlations.append(frequent_pair_correlation(ours[rows], theirs, frequent))
        gensim_pairs.append(frequent_pair_correlation(np.stack([models[1].wv[w] for w in frequent]), theirs,
                                                      frequent))
    random_pair = frequent_pair_correlation(np.random.RandomState(0).randn(200, 100),
                                            np.random.RandomState(1).randn(200, 100), frequent)
    print("corpus: {} sentences, {} words after min_count={}, vocabulary {}; {} epochs, dim {}, window {}, "
          "{} noise words, sample {}; OMP_NUM_THREADS={}".format(
              len(sentences), corpus.num_tokens, SETTINGS["min_count"], corpus.vocab_size - 1, args.epochs,
              SETTINGS["embed_size"], SETTINGS["window"], SETTINGS["negatives"], SETTINGS["sample"],
              os.environ.get("OMP_NUM_THREADS", "unset")))
    print()
    print("| run | words/s (wall) | words per CPU-second | vs gluonx (wall) |")
    print("|---|---|---|---|")
    medians = {}
    for name, values in runs.items():
        wall = statistics.median(words / w for w, _ in values)
        cpu = statistics.median(words / c for _, c in values)
        medians[name] = (wall, cpu)
    for name, (wall, cpu) in medians.items():
        print("| {} | {:,.0f} | {:,.0f} | {:.2f}x |".format(name, wall, cpu, wall / medians["gluonx"][0]))
    print()
    print("gluonx / gensim (workers=1): {:.3f}x wall, {:.3f}x per CPU-second".format(
        medians["gluonx"][0] / medians["gensim workers=1"][0], medians["gluonx"][1] / medians["gensim workers=1"][1]))
    print("Spearman of cosine similarities over the {} pairs of the 200 most frequent words: gluonx vs gensim "
          "{:.3f} (median of {}), gensim vs gensim (another seed, workers=2) {:.3f}, two random "
          "embeddings {:.3f}".format(200 * 199 // 2, statistics.median(correlations), len(correlations),
                                     statistics.median(gensim_pairs), random_pair))
    result = {"runs": runs, "medians": medians, "correlations": correlations, "gensim_pairs": gensim_pairs,
              "random_pair": random_pair, "words": words}
    if not args.no_memory:
        rss, seconds = recipe_peak_rss("skipgram_ns", args.epochs)
        print("peak RSS of `gluonx train skipgram_ns --dataset python_docs_word_ids` ({} epochs, {:.0f} s): "
              "{:.0f} MiB".format(args.epochs, seconds, rss))
        result["recipe_peak_rss_mib"] = rss
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=1)


if __name__ == "__main__":
    main()
