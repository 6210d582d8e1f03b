"""The one LRU every cache uses: bounded by the size each cache chooses, safe across threads."""

from __future__ import annotations

import threading

from cometgraph.storage.lru import LRU


def test_bounded_by_bytes_evicting_the_least_recently_used():
    lru: LRU[bytes] = LRU(100, len)
    lru.put("a", b"x" * 40)
    lru.put("b", b"x" * 40)
    assert lru.get("a") == b"x" * 40  # a is now the most recent
    lru.put("c", b"x" * 40)  # 120 > 100: b goes
    assert lru.get("b") is None and lru.get("a") is not None and lru.get("c") is not None
    assert lru.size == 80 and len(lru) == 2
    assert (lru.hits, lru.misses) == (3, 1)


def test_get_many_is_get_of_each_key_refreshing_and_counting_as_get_does():
    lru: LRU[bytes] = LRU(100, len)
    lru.put("a", b"x" * 40)
    lru.put("b", b"x" * 40)
    assert lru.get_many(["a", "z", "a"]) == [b"x" * 40, None, b"x" * 40]
    assert (lru.hits, lru.misses) == (2, 1)
    lru.put("c", b"x" * 40)  # a was used last: b goes
    assert lru.get_many(["b", "a", "c"]) == [None, b"x" * 40, b"x" * 40]
    assert lru.get_many([]) == []


def test_a_value_larger_than_the_bound_is_not_kept():
    lru: LRU[bytes] = LRU(100, len)
    lru.put("small", b"x")
    lru.put("huge", b"x" * 101)
    assert lru.get("huge") is None and lru.get("small") == b"x"
    off: LRU[bytes] = LRU(0, len)
    off.put("a", b"x")
    assert off.get("a") is None and len(off) == 0


def test_counted_when_no_size_is_given():
    lru: LRU[int] = LRU(3)
    for i in range(5):
        lru.put(i, i * 10)
    assert [lru.get(i) for i in range(5)] == [None, None, 20, 30, 40]


def test_get_or_compute_computes_once_per_key():
    lru: LRU[list] = LRU(1000, len)
    calls = []
    for _ in range(3):
        assert lru.get_or_compute("k", lambda: calls.append(1) or [1, 2, 3]) == [1, 2, 3]
    assert calls == [1]


def test_threads_never_exceed_the_bound():
    lru: LRU[bytes] = LRU(10_000, len)

    def work(seed: int) -> None:
        for i in range(2000):
            lru.put((seed, i), b"x" * (i % 97 + 1))
            lru.get((seed, i // 2))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0 < lru.size <= 10_000
    assert lru.size == sum(len(v) for v in lru._cache.values())
