"""pairwise.py - a greedy (AETG-style) pairwise covering array.

covering_array(params, valid) returns rows (dicts) such that every pair
of values of two different parameters that some valid row can hold
appears in at least one row, and every row is valid.  params is a list
of (name, [values]); valid(partial) gets a dict of the parameters
assigned so far and returns False only when that partial row can
already never be valid (it must not guess about unassigned ones).

AETG (Cohen et al., 1997): each new row is the best of a few candidates,
each built by fixing one uncovered pair, then giving the other
parameters, in a random order, the value that covers most uncovered
pairs.  The random source is seeded: the same input gives the same rows,
so that a failing row can be found again by its number.

Run as a script, it prints the rows for a small example and checks that
they cover every pair.
"""

import itertools
import random


def _completable(params, partial, valid):
    """Whether partial extends to a full valid row (depth-first)."""
    if not valid(partial):
        return False
    for name, values in params:
        if name in partial:
            continue
        for v in values:
            partial[name] = v
            if _completable(params, partial, valid):
                del partial[name]
                return True
            del partial[name]
        return False
    return True


def _pairs(params, valid):
    """Every pair of (name, value) that some valid row holds."""
    wanted = set()
    for (a, av), (b, bv) in itertools.combinations(params, 2):
        for x in av:
            for y in bv:
                if _completable(params, {a: x, b: y}, valid):
                    wanted.add(((a, x), (b, y)))
    return wanted


def _gain(row, name, value, uncovered):
    n = 0
    for other, ov in row.items():
        if ((other, ov), (name, value)) in uncovered or \
                ((name, value), (other, ov)) in uncovered:
            n += 1
    return n


def _candidate(params, seed_pair, uncovered, valid, rng):
    (a, x), (b, y) = seed_pair
    row = {a: x, b: y}
    rest = [p for p in params if p[0] not in row]
    rng.shuffle(rest)
    for name, values in rest:
        best, best_gain = None, -1
        order = list(values)
        rng.shuffle(order)
        for v in order:
            row[name] = v
            if _completable(params, dict(row), valid):
                g = _gain(row, name, v, uncovered)
                if g > best_gain:
                    best, best_gain = v, g
            del row[name]
        if best is None:
            return None
        row[name] = best
    return row


def _covered_by(row, params):
    names = [p[0] for p in params]
    out = set()
    for a, b in itertools.combinations(names, 2):
        out.add(((a, row[a]), (b, row[b])))
    return out


def covering_array(params, valid=lambda partial: True, seed=16,
                   candidates=20):
    rng = random.Random(seed)
    uncovered = _pairs(params, valid)
    rows = []
    while uncovered:
        pick = sorted(uncovered, key=repr)
        best, best_new = None, -1
        for _ in range(candidates):
            row = _candidate(params, rng.choice(pick), uncovered, valid,
                             rng)
            if row is None:
                continue
            new = len(_covered_by(row, params) & uncovered)
            if new > best_new:
                best, best_new = row, new
        if best is None or best_new <= 0:
            raise RuntimeError("pairwise: no valid row covers %r"
                               % (pick[0],))
        rows.append({name: best[name] for name, _ in params})
        uncovered -= _covered_by(best, params)
    return rows


def full_product(params, valid=lambda partial: True):
    """Every valid row: the exhaustive counterpart (make check-all)."""
    names = [p[0] for p in params]
    for values in itertools.product(*(p[1] for p in params)):
        row = dict(zip(names, values))
        if valid(row):
            yield row


def _selftest():
    params = [("a", [0, 1, 2]), ("b", [0, 1]), ("c", [0, 1, 2]),
              ("d", [0, 1])]

    def valid(p):
        # c == 2 needs a != 0
        return not (p.get("c") == 2 and p.get("a") == 0)
    rows = covering_array(params, valid)
    want = _pairs(params, valid)
    got = set()
    for r in rows:
        assert valid(r), r
        got |= _covered_by(r, params)
    assert want <= got, want - got
    assert (("a", 0), ("c", 2)) not in want
    assert len(rows) < len(list(full_product(params, valid)))
    assert rows == covering_array(params, valid), "not deterministic"
    print("pairwise: %d rows cover %d pairs (product: %d rows)"
          % (len(rows), len(want), len(list(full_product(params, valid)))))


if __name__ == "__main__":
    _selftest()
