"""Datasets in real formats, embedded datasets, and deterministic, resumable sampling.

- :mod:`gluonx.data.idx` — the idx-ubyte format of MNIST / Fashion-MNIST (read and write, gz or raw);
- :mod:`gluonx.data.mnist` — ``MNIST`` and ``FashionMNIST`` from a local folder;
- :mod:`gluonx.data.digits` — scikit-learn's bundled 8x8 digits (real data, no download);
- :mod:`gluonx.data.sampler` — an epoch sampler whose order is a function of (seed, epoch), so training
  resumes mid-epoch on exactly the same batches;
- :mod:`gluonx.data.images` — reading image files, with errors that name the file;
- :mod:`gluonx.data.transforms` — joint augmentation of an image with its boxes and mask (D2L 9.1, SSD's
  box-aware augmentation), on NumPy arrays and NDArrays, deterministic per ``(seed, epoch, index)``;
- :mod:`gluonx.data.text_corpus` — text corpora (a real one ships with Python: ``pydoc_data.topics``),
  character vocabularies and BPTT batching for language models (D2L 6.3).
"""
