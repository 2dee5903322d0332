"""Per-worker data shards: disjoint, equal in length, and together the batches of one process."""
import numpy as np
import pytest

from gluonx.data.sampler import EpochBatchSampler
from gluonx.train.sources import IterableSource, make_source


@pytest.mark.parametrize("num_samples,batch,workers", [(96, 8, 2), (100, 8, 2), (103, 5, 3), (64, 16, 4)])
def test_shards_are_the_slices_of_one_process_global_batches(num_samples, batch, workers):
    whole = EpochBatchSampler(num_samples, batch * workers, shuffle=True, last_batch="discard", seed=5)
    shards = [EpochBatchSampler(num_samples, batch, shuffle=True, seed=5, num_shards=workers, shard=r)
              for r in range(workers)]
    assert {len(s) for s in shards} == {len(whole)} == {num_samples // (batch * workers)}
    for epoch in (0, 3):
        per_worker = [list(s.batches(epoch)) for s in shards]
        for number, global_batch in enumerate(whole.batches(epoch)):
            parts = [per_worker[r][number] for r in range(workers)]
            assert all(len(p) == batch for p in parts)
            np.testing.assert_array_equal(np.concatenate(parts), global_batch)
        seen = np.concatenate([np.concatenate(b) for b in per_worker])
        assert len(np.unique(seen)) == len(seen)  # no sample read by two workers


def test_sharded_resume_skips_the_same_batches():
    sampler = EpochBatchSampler(50, 4, seed=1, num_shards=2, shard=1)
    full = list(sampler.batches(2))
    np.testing.assert_array_equal(np.concatenate(list(sampler.batches(2, start=3))), np.concatenate(full[3:]))


def test_bad_shards_are_rejected_with_what_was_expected():
    with pytest.raises(ValueError, match=r"shard must be in \[0, num_shards\)"):
        EpochBatchSampler(10, 2, num_shards=2, shard=2)
    with pytest.raises(ValueError, match="no global batch of 4 workers x 8"):
        EpochBatchSampler(20, 8, num_shards=4, shard=0)


def test_one_shard_keeps_the_old_behaviour():
    sampler = EpochBatchSampler(10, 4, shuffle=False, last_batch="keep")
    assert [list(b) for b in sampler.batches(0)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_dataset_sources_shard_and_iterables_are_cut():
    data = (np.arange(40, dtype=np.float32).reshape(20, 2), np.arange(20))

    class Arrays:
        def __len__(self):
            return 20

        def __getitem__(self, i):
            return data[0][i], data[1][i]

    source = make_source(Arrays(), 3, False, "keep", 0, num_shards=2, shard=1)
    assert len(source) == 3
    assert [list(label) for _, label in source.batches(0)] == [[3, 4, 5], [9, 10, 11], [15, 16, 17]]
    batches = [(np.zeros((2, 2)), np.zeros(2))] * 5
    cut = IterableSource(batches, max_batches=3)
    assert len(cut) == 3 and len(list(cut.batches(0))) == 3 and len(list(cut.batches(0, start=2))) == 1
