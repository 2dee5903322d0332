"""The Huffman tree of hierarchical softmax (D2L 10.2.2; Mikolov et al. 2013): frequent words get short paths.

The tree over ``V`` words has ``V - 1`` inner nodes, each with an output vector. The probability of word ``w``
given a hidden vector ``u`` is the product over the inner nodes ``n`` on the path from the root to ``w`` of
``sigmoid(sign * u . v_n)``, with ``sign = +1`` when the path turns to the child coded 0 and ``-1`` for the
child coded 1 (word2vec's convention). The paths are stored as ``(V, depth)`` arrays so that a forward pass
is a gather, which hybridizes and exports.
"""
import heapq

import numpy as np

__all__ = ["HuffmanTree"]


class HuffmanTree:
    """Huffman coding of a vocabulary from its counts.

    Parameters
    ----------
    counts : sequence of int
        Count of every word id (zeros allowed: such words get the longest paths).

    Attributes
    ----------
    nodes : numpy.ndarray
        ``(V, depth)`` int32: inner-node ids (in ``[0, V - 1)``) on the path of each word, root first, padded
        with 0.
    codes : numpy.ndarray
        ``(V, depth)`` float32: the turn taken at each node (0 or 1), padded with 0.
    mask : numpy.ndarray
        ``(V, depth)`` float32: 1 on the path, 0 in the padding.
    lengths : numpy.ndarray
        ``(V,)`` path lengths (the code lengths).
    """

    def __init__(self, counts):
        counts = [int(c) for c in counts]
        if len(counts) < 2:
            raise ValueError("a Huffman tree needs at least 2 words, got {}".format(len(counts)))
        if min(counts) < 0:
            raise ValueError("word counts must be non-negative")
        size = len(counts)
        # (count, creation order, node): ties go to the node created first, so the tree is deterministic
        heap = [(c, i, i) for i, c in enumerate(counts)]
        heapq.heapify(heap)
        parent = np.zeros(2 * size - 1, dtype=np.int64)
        turn = np.zeros(2 * size - 1, dtype=np.int64)
        next_node = size
        while len(heap) > 1:
            count0, _, node0 = heapq.heappop(heap)
            count1, _, node1 = heapq.heappop(heap)
            parent[node0], turn[node0] = next_node, 0
            parent[node1], turn[node1] = next_node, 1
            heapq.heappush(heap, (count0 + count1, next_node, next_node))
            next_node += 1
        root = next_node - 1
        paths = []
        for word in range(size):
            nodes, codes, node = [], [], word
            while node != root:
                codes.append(turn[node])
                node = parent[node]
                nodes.append(root - node)  # inner nodes numbered from the root: 0 .. V-2
            paths.append((nodes[::-1], codes[::-1]))
        depth = max(len(n) for n, _ in paths)
        self.nodes = np.zeros((size, depth), dtype=np.int32)
        self.codes = np.zeros((size, depth), dtype=np.float32)
        self.mask = np.zeros((size, depth), dtype=np.float32)
        for word, (nodes, codes) in enumerate(paths):
            self.nodes[word, :len(nodes)] = nodes
            self.codes[word, :len(codes)] = codes
            self.mask[word, :len(nodes)] = 1
        self.lengths = self.mask.sum(axis=1).astype(np.int64)

    @property
    def depth(self):
        return self.nodes.shape[1]

    def log_probabilities(self, hidden, node_vectors):
        """NumPy reference: ``(N, V)`` log-probabilities of every word given ``(N, E)`` hidden vectors and the
        ``(V - 1, E)`` inner-node vectors (used by tests; they sum to 1 over the words)."""
        scores = hidden @ node_vectors.T  # (N, V-1)
        path_scores = scores[:, self.nodes] * (1 - 2 * self.codes)[None]  # (N, V, depth)
        log_sigmoid = -np.logaddexp(0, -path_scores)
        return (log_sigmoid * self.mask[None]).sum(axis=2)
