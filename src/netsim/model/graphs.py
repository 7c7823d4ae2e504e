"""The acquaintance graph: who could tie with whom, as flat numpy arrays.

Every tie the model ever forms lies on an edge of this fixed graph of potential
ties ("our networks evolve naturally ... through the people we know" [IJIC]).
Keeping it fixed lets the model hold tie state in one array indexed by edge id
and step all ties at once; it is stored as a sorted undirected edge list plus a
CSR adjacency (``indptr``, ``neighbour``, ``edge_of``) for per-member look-ups.

Generators are vectorised (no Python loop over people) so that a 100,000-person
population is built in well under a second; none lays the graph out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix

from netsim.model.compiled import kernel

_DENSE_LOOKUP_MAX = 2048
"""Largest graph whose edge ids are looked up in a dense size x size int32 matrix (<= 16 MB)."""


_SMALL_TIE_POSITIONS = 1 << 16
"""Tie CSRs with up to this many positions (two per tie) also keep each position's row."""

INDEX32_LIMIT = int(np.iinfo(np.int32).max)
"""Indices (people, edge ids, adjacency slots) are int32 below this (2**31 - 1), else int64."""


def index_dtype(size: int, slots: int) -> type[np.signedinteger]:
    """int32 when every person (0..size) and adjacency slot (0..slots) fits, else int64.

    ``slots`` is twice the number of edges (each edge is listed from both ends). Half
    the bytes of int64 for the graph's index arrays, the largest part of a big world's
    memory; the values are the same either way.
    """
    return np.int32 if max(size, slots) < INDEX32_LIMIT else np.int64


@kernel
def _tie_rows(
    u: np.ndarray, v: np.ndarray, indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray
) -> None:
    """The CSR of the undirected pairs (u[k], v[k]) into ``indptr`` (zeros in),
    ``indices`` and, if not empty, ``rows`` (each position's row).

    Each pair (u, v) in order, then each (v, u), at its row's next free position: a
    stable counting sort on the row, the layout scipy's coo_tocsr gives the same pairs.
    ``indptr[i]`` serves as row i's next free position, which leaves it at row i + 1's
    start; moving it back one row restores it (no second array of people).
    """
    for k in range(u.size):
        indptr[u[k] + 1] += 1
        indptr[v[k] + 1] += 1
    for i in range(indptr.size - 1):
        indptr[i + 1] += indptr[i]
    for k in range(u.size):
        slot = indptr[u[k]]
        indices[slot] = v[k]
        indptr[u[k]] = slot + 1
    for k in range(u.size):
        slot = indptr[v[k]]
        indices[slot] = u[k]
        indptr[v[k]] = slot + 1
    if rows.size:  # row i holds positions indptr[i - 1] .. indptr[i] - 1 now
        first = 0
        for i in range(indptr.size - 1):
            rows[first : indptr[i]] = i
            first = indptr[i]
    for i in range(indptr.size - 1, 0, -1):
        indptr[i] = indptr[i - 1]
    indptr[0] = 0


_INSERTION_SORT_MAX = 16
"""Buckets of up to this many pairs are sorted by insertion (most hold a few contacts)."""


@kernel
def _bucket_pairs(u: np.ndarray, v: np.ndarray, start: np.ndarray, high: np.ndarray) -> int:
    """Counting sort of the pairs (u[k], v[k]) without self-loops by their lower end.

    Fills ``start`` (length size + 1, zeros in) with each lower end's first position
    and ``high`` with the higher ends, bucket by bucket; returns the pairs kept.
    """
    for k in range(u.size):
        a, b = u[k], v[k]
        if a != b:
            start[(a if a < b else b) + 1] += 1
    for i in range(start.size - 1):
        start[i + 1] += start[i]
    nxt = start[:-1].copy()
    for k in range(u.size):
        a, b = u[k], v[k]
        if a != b:
            lo = a if a < b else b
            high[nxt[lo]] = b if a < b else a
            nxt[lo] += 1
    return int(start[-1])


@kernel
def _dedupe_buckets(start: np.ndarray, high: np.ndarray, low: np.ndarray) -> int:
    """Sort each bucket of ``high`` and keep each value once, compacting ``high`` and
    writing the bucket's lower end to ``low``: the pairs in ascending (low, high) order,
    the order of sorted unique keys low x size + high. Returns the number of pairs."""
    out = 0
    for lo in range(start.size - 1):
        first, end = start[lo], start[lo + 1]
        if end - first > _INSERTION_SORT_MAX:
            high[first:end].sort()
        else:  # a few values (a person's lattice contacts): insertion sort, no call
            for j in range(first + 1, end):
                value = high[j]
                i = j - 1
                while i >= first and high[i] > value:
                    high[i + 1] = high[i]
                    i -= 1
                high[i + 1] = value
        previous = -1
        for j in range(first, end):
            value = high[j]
            if value != previous:
                high[out] = value
                low[out] = lo
                out += 1
                previous = value
    return out


def sorted_unique_pairs(size: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(edge_u, edge_v): the undirected pairs (u, v) without self-loops and duplicates,
    as edge_u < edge_v in ascending (edge_u, edge_v) order, in :func:`index_dtype`.

    What sorted_unique(lo x size + hi) and the division back gave, by a counting sort on
    the lower end and a sort of each (short) bucket: O(pairs + size), not a sort of
    every pair's int64 key.
    """
    u, v = np.asarray(u), np.asarray(v)
    if u.dtype.kind != "i" or v.dtype.kind != "i":  # e.g. an empty list's floats, or uint
        u, v = u.astype(np.int64), v.astype(np.int64)
    dtype = index_dtype(size, 2 * u.size)
    start = np.zeros(size + 1, np.int64)
    high = np.empty(u.size, dtype)
    kept = _bucket_pairs(u, v, start, high)
    low = np.empty(kept, dtype)
    count = _dedupe_buckets(start, high, low)
    return low[:count], high[:count]


@kernel
def _merge_pairs(
    au: np.ndarray,
    av: np.ndarray,
    bu: np.ndarray,
    bv: np.ndarray,
    out_u: np.ndarray,
    out_v: np.ndarray,
) -> int:
    """The union of two ascending lists of unique pairs, ascending, into out; returns its length."""
    i = j = k = 0
    while i < au.size and j < bu.size:
        if au[i] < bu[j] or (au[i] == bu[j] and av[i] < bv[j]):
            out_u[k], out_v[k] = au[i], av[i]
            i += 1
        elif au[i] == bu[j] and av[i] == bv[j]:
            out_u[k], out_v[k] = au[i], av[i]
            i += 1
            j += 1
        else:
            out_u[k], out_v[k] = bu[j], bv[j]
            j += 1
        k += 1
    while i < au.size:
        out_u[k], out_v[k] = au[i], av[i]
        i += 1
        k += 1
    while j < bu.size:
        out_u[k], out_v[k] = bu[j], bv[j]
        j += 1
        k += 1
    return k


@kernel
def _contact_rows(
    edge_u: np.ndarray,
    edge_v: np.ndarray,
    indptr: np.ndarray,
    neighbour: np.ndarray,
    edge_of: np.ndarray,
) -> None:
    """The adjacency of the edges (edge_u[k], edge_v[k]) into ``indptr`` (zeros in),
    ``neighbour`` and ``edge_of``.

    A stable counting sort of the edges by edge_u, then by edge_v: each person's row
    lists the edges where they are the lower end (ascending), then those where they
    are the higher end (ascending): the layout of a stable argsort of the two ends.
    ``indptr[i]`` serves as row i's next free slot and is moved back one row after.
    """
    for k in range(edge_u.size):
        indptr[edge_u[k] + 1] += 1
        indptr[edge_v[k] + 1] += 1
    for i in range(indptr.size - 1):
        indptr[i + 1] += indptr[i]
    for k in range(edge_u.size):
        slot = indptr[edge_u[k]]
        neighbour[slot] = edge_v[k]
        edge_of[slot] = k
        indptr[edge_u[k]] = slot + 1
    for k in range(edge_v.size):
        slot = indptr[edge_v[k]]
        neighbour[slot] = edge_u[k]
        edge_of[slot] = k
        indptr[edge_v[k]] = slot + 1
    for i in range(indptr.size - 1, 0, -1):
        indptr[i] = indptr[i - 1]
    indptr[0] = 0


@kernel
def _edge_ids(
    indptr: np.ndarray, neighbour: np.ndarray, edge_of: np.ndarray, u: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """Edge id of each pair (u[k], v[k]), -1 where there is none, by binary search in a row.

    The lower end's row lists its higher contacts first, ascending, then its lower ones:
    reading every lower contact as infinity, the row ascends, and the higher end is found
    by bisection (a few probes in one row, not a search of every edge's key).
    """
    out = np.empty(u.size, np.int64)
    for k in range(u.size):
        a, b = u[k], v[k]
        lo, hi = (a, b) if a < b else (b, a)
        out[k] = -1
        if lo == hi:
            continue
        left, right = indptr[lo], indptr[lo + 1]
        end = right
        while left < right:
            mid = (left + right) >> 1
            x = neighbour[mid]
            if lo < x < hi:
                left = mid + 1
            else:
                right = mid
        if left < end and neighbour[left] == hi:
            out[k] = edge_of[left]
    return out


@kernel
def present_tie_csr(
    n: int, strength: np.ndarray, tie_u: np.ndarray, tie_v: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """ContactGraph.tie_csr of the ties with strength > 0, compiled.

    (present, indptr, indices, rows, kept edge ids, small): ``tie_u``/``tie_v`` are the
    graph's ``_csr_ends``; :func:`tie_view` makes the TieCSR.
    """
    present = strength > 0.0
    kept = np.flatnonzero(present)
    small = 2 * kept.size <= _SMALL_TIE_POSITIONS
    indptr = np.zeros(n + 1, tie_u.dtype)
    indices = np.empty(2 * kept.size, tie_u.dtype)
    rows = np.empty(indices.size if small else 0, tie_u.dtype)
    _tie_rows(tie_u[kept], tie_v[kept], indptr, indices, rows)
    return present, indptr, indices, rows, kept, small


def tie_view(
    indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray, kept: np.ndarray, small: bool
) -> TieCSR:
    """The TieCSR of a built tie CSR (``rows`` kept as its known_rows when ``small``)."""
    view = TieCSR(indptr, indices, edges=kept)
    if small:
        object.__setattr__(view, "_rows", rows)
    return view


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values) for a 1-D array: sort, keep each first of a run.

    The same sorted array; numpy 2's np.unique hashes integers first, which here
    costs 10x (10,000 keys) to 50x (a million) more than the sort.
    """
    ordered = np.sort(values)
    first = np.empty(ordered.size, bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def rows_slots(
    indptr: np.ndarray, rows: np.ndarray, counts: np.ndarray | None = None
) -> np.ndarray:
    """All CSR positions of ``rows`` (concatenated, in row order), without a Python loop.

    ``counts`` are the rows' lengths if the caller already has them.
    """
    if counts is None:
        counts = indptr[rows + 1] - indptr[rows]
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    # slot j of row r is indptr[r] + j: each row's offset (start minus the slots before
    # it), repeated along the row, plus the running position (one repeat, not two)
    offset = indptr[rows]
    offset -= np.cumsum(counts)
    offset += counts
    slots = np.repeat(offset, counts)
    slots += np.arange(total)
    return slots


@dataclass(frozen=True, slots=True)
class TieCSR:
    """The current ties as a symmetric CSR adjacency (a sub-graph of the contact graph).

    ``indices[indptr[i]:indptr[i+1]]`` are the people person ``i`` has a tie
    with. Built once per step from the tie strengths and shared by diffusion,
    roles and metrics.
    """

    indptr: np.ndarray
    indices: np.ndarray
    edges: np.ndarray | None = None
    """Ids of the contact edges that are ties (None: all of them)."""
    _degree: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _rows: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def size(self) -> int:
        return int(self.indptr.size - 1)

    @property
    def degree(self) -> np.ndarray:
        """Ties per person (computed once: diffusion, roles and three metrics all read it).

        Shared between callers, so treat it as read-only.
        """
        if self._degree is None:  # np.diff's arithmetic without its Python wrapper
            indptr = self.indptr
            object.__setattr__(self, "_degree", np.subtract(indptr[1:], indptr[:-1]))
        return self._degree  # type: ignore[return-value]

    @property
    def known_rows(self) -> np.ndarray | None:
        """The person at each position of ``indices``, if the build kept it (else None).

        ContactGraph.tie_csr keeps it for small tie lists, where it comes free with the
        counting sort; treat it as read-only.
        """
        return self._rows

    def matrix(self) -> csr_matrix:
        """As a scipy CSR matrix of ones (for connected components and products).

        32-bit indices and float32 data where they fit: a quarter less memory
        traffic per product, and counts stay exact (below 2^24 ties a person).
        """
        n = self.size
        data = np.ones(self.indices.size, dtype=np.float32)
        if max(n, self.indices.size) < np.iinfo(np.int32).max:
            indices, indptr = self.indices.astype(np.int32), self.indptr.astype(np.int32)
        else:
            indices, indptr = self.indices, self.indptr
        return csr_matrix((data, indices, indptr), shape=(n, n))


class ContactCSR(NamedTuple):
    """The contact graph's adjacency as one structure for the compiled kernels.

    Person ``i``'s contacts are ``neighbour[indptr[i]:indptr[i] + contacts[i]]``, and
    ``edge_of`` gives the edge id (the index into the tie arrays) of each slot.
    """

    indptr: np.ndarray
    contacts: np.ndarray
    """Contacts per person (``indptr``'s differences)."""
    neighbour: np.ndarray
    edge_of: np.ndarray


@dataclass(frozen=True, slots=True)
class ContactGraph:
    """An undirected simple graph on ``size`` people, with CSR adjacency.

    ``edge_u[k] < edge_v[k]`` are the ends of undirected edge ``k``, sorted by
    (edge_u, edge_v). For person ``i``, ``neighbour[indptr[i]:indptr[i+1]]`` are their
    contacts (first those above ``i``, ascending, then those below, ascending) and
    ``edge_of[...]`` the matching edge ids. All five arrays are in :func:`index_dtype`
    (int32 unless the people or slots need int64). The adjacency is made on first use:
    a graph that is only a step on the way to another (a union) never makes one.
    """

    size: int
    edge_u: np.ndarray
    edge_v: np.ndarray
    _adjacency: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _dense: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _edge_key: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _contacts: tuple[np.ndarray, bool] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _csr: ContactCSR | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def edge_count(self) -> int:
        return int(self.edge_u.size)

    def _made_adjacency(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, neighbour, edge_of), made once (a counting sort of the edges)."""
        if self._adjacency is None:
            dtype = self.edge_u.dtype  # arrays from numpy (huge pages), filled compiled
            adjacency = (
                np.zeros(self.size + 1, dtype),
                np.empty(2 * self.edge_count, dtype),
                np.empty(2 * self.edge_count, dtype),
            )
            _contact_rows(self.edge_u, self.edge_v, *adjacency)
            object.__setattr__(self, "_adjacency", adjacency)
        return self._adjacency  # type: ignore[return-value]

    def _csr_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """(edge_u, edge_v), as tie CSRs are built from them (already int32 where it fits)."""
        return self.edge_u, self.edge_v

    @property
    def edge_key(self) -> np.ndarray:
        """Sorted int64 ``edge_u * size + edge_v`` (finds an edge by binary search), made on
        first use; treat as read-only. :meth:`edge_ids` bisects rows instead."""
        if self._edge_key is None:
            key = self.edge_u.astype(np.int64) * self.size + self.edge_v
            object.__setattr__(self, "_edge_key", key)
        return self._edge_key  # type: ignore[return-value]

    @property
    def indptr(self) -> np.ndarray:
        """Row starts of the adjacency (length size + 1); treat as read-only."""
        return self._made_adjacency()[0]

    @property
    def neighbour(self) -> np.ndarray:
        """The contact at each adjacency slot; treat as read-only."""
        return self._made_adjacency()[1]

    @property
    def edge_of(self) -> np.ndarray:
        """The edge id (index into the tie arrays) of each adjacency slot; treat as read-only."""
        return self._made_adjacency()[2]

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    @property
    def source(self) -> np.ndarray:
        """The person at each CSR slot (``source[s]`` is the ``i`` whose slice holds ``s``).

        Made on each call (the model never needs it; a stored copy would be one index
        per slot, as large as ``neighbour``).
        """
        return np.repeat(np.arange(self.size, dtype=self.indptr.dtype), self.degree)

    def contact_degree(self) -> tuple[np.ndarray, bool]:
        """(contacts per person, whether everyone has one), made once; treat as read-only."""
        if self._contacts is None:
            degree = self.degree
            object.__setattr__(self, "_contacts", (degree, bool(degree.size and degree.min() > 0)))
        return self._contacts  # type: ignore[return-value]

    def csr(self) -> ContactCSR:
        """The adjacency as the kernels take it, made once; treat it as read-only."""
        if self._csr is None:
            csr = ContactCSR(self.indptr, self.contact_degree()[0], self.neighbour, self.edge_of)
            object.__setattr__(self, "_csr", csr)
        return self._csr  # type: ignore[return-value]

    @classmethod
    def from_pairs(cls, size: int, u: np.ndarray, v: np.ndarray) -> ContactGraph:
        """Build from arbitrary pairs: drops self-loops and duplicates, either direction."""
        edge_u, edge_v = sorted_unique_pairs(size, u, v)
        return cls._with_csr(size, edge_u, edge_v)

    @classmethod
    def _with_csr(cls, size: int, edge_u: np.ndarray, edge_v: np.ndarray) -> ContactGraph:
        """The graph of sorted unique edges ``edge_u < edge_v``, with its adjacency."""
        dtype = index_dtype(size, 2 * edge_u.size)
        return cls(size, edge_u.astype(dtype, copy=False), edge_v.astype(dtype, copy=False))

    def union(self, other_u: np.ndarray, other_v: np.ndarray) -> ContactGraph:
        """This graph plus extra pairs (self-loops and pairs it has already are dropped).

        The extra pairs are sorted and merged into the sorted edge list: O(edges) for a
        few extra pairs, not a sort of them all again.
        """
        extra_u, extra_v = sorted_unique_pairs(self.size, other_u, other_v)
        total = self.edge_count + extra_u.size
        dtype = index_dtype(self.size, 2 * total)
        out_u, out_v = np.empty(total, dtype), np.empty(total, dtype)
        count = _merge_pairs(self.edge_u, self.edge_v, extra_u, extra_v, out_u, out_v)
        return ContactGraph._with_csr(self.size, out_u[:count], out_v[:count])

    def slots_of(self, people: np.ndarray) -> np.ndarray:
        """All CSR slots (adjacency positions) of ``people``, concatenated, without a loop."""
        return rows_slots(self.indptr, people)

    def tie_csr(self, present: np.ndarray | None) -> TieCSR:
        """The sub-graph of edges with ``present[edge]`` (None: every contact is a tie).

        Built from the (usually much shorter) list of present edges with a
        counting sort, which costs O(ties + people) rather than O(contacts).
        Its ``indptr`` and ``indices`` are int32 when every index fits.
        """
        if present is None:
            return TieCSR(self.indptr, self.neighbour)
        kept = present.nonzero()[0]  # numpy skips the untied edges eight at a time
        dtype = self.edge_u.dtype
        small = 2 * kept.size <= _SMALL_TIE_POSITIONS
        # the arrays are made by numpy and filled by the kernel: numpy asks the system for
        # huge pages, where a kernel's own arrays fault in 4 KB pages (~20x slower per MB)
        indptr = np.zeros(self.size + 1, dtype)
        indices = np.empty(2 * kept.size, dtype)
        position_rows = np.empty(indices.size if small else 0, dtype)
        # the ends gathered by numpy (in the kernel, the indirect loads cost 3x)
        _tie_rows(self.edge_u[kept], self.edge_v[kept], indptr, indices, position_rows)
        return tie_view(indptr, indices, position_rows, kept, small)

    def edge_ids(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Edge id of each pair (u, v), or -1 where there is no such edge.

        Small graphs (up to _DENSE_LOOKUP_MAX people) answer from a dense id
        matrix made on first use: one gather per pair instead of a binary
        search, which is most of the cost of the per-step transitivity sample
        at sweep sizes. Larger graphs bisect the lower end's row of the adjacency.
        """
        if self.size <= _DENSE_LOOKUP_MAX:
            if self._dense is None:
                dense = np.full((self.size, self.size), -1, dtype=np.int32)
                ids = np.arange(self.edge_count, dtype=np.int32)
                dense[self.edge_u, self.edge_v] = ids
                dense[self.edge_v, self.edge_u] = ids
                object.__setattr__(self, "_dense", dense)
            return self._dense[u, v].astype(np.int64)  # type: ignore[index]
        return _edge_ids(self.indptr, self.neighbour, self.edge_of, np.asarray(u), np.asarray(v))


def organisation_of(size: int, organisations: int) -> np.ndarray:
    """Assign people to organisations in near-equal contiguous blocks (person i -> org).

    int32 codes (organisations are at most 100,000); the block arithmetic is int64.
    """
    organisations = max(1, min(organisations, size))
    return (np.arange(size, dtype=np.int64) * organisations // size).astype(np.int32)


def organisations_graph(
    rng: np.random.Generator,
    organisation: np.ndarray,
    mean_degree: float,
    cross_share: float,
    rewiring: float,
) -> ContactGraph:
    """Clustered contacts within organisations plus random contacts across them.

    Within each organisation people sit on a ring and know their nearest
    neighbours (a Watts-Strogatz lattice, so colleagues share colleagues, as
    complex contagion needs); a ``rewiring`` share of those links goes to a random
    colleague. A ``cross_share`` of each person's contacts is in other
    organisations, drawn at random: the raw material of boundary spanning [THF].

    Draws, in order: per lattice ring k = 1, 2, ... one uniform per person in an
    organisation of more than k people (rewired?), then one integer per rewired link
    (the new colleague's place); then per cross contact one end, then the other end's
    place among the people of the other organisations. ``organisation`` codes are
    whole numbers >= 0. The pairs are written straight into one pair list (compiled
    passes over the people, no per-ring temporaries).
    """
    size = organisation.size
    within_degree = mean_degree * (1.0 - cross_share)
    half = round(within_degree / 2.0)
    organisations = int(organisation.max()) + 1 if size else 0
    cross_edges = round(size * mean_degree * cross_share / 2.0)
    lattice = half > 0 and size > 1
    crossing = cross_edges > 0 and organisations > 1
    if not (lattice or crossing):
        return ContactGraph.from_pairs(size, np.empty(0, np.int64), np.empty(0, np.int64))
    order = np.argsort(organisation, kind="stable")
    org_sorted = organisation[order]
    # the people of organisation c sit at sorted places bounds[c] .. bounds[c + 1] - 1
    bounds = np.searchsorted(org_sorted, np.arange(organisations + 1))
    sizes = np.diff(bounds)
    rings = [int(sizes[sizes > k].sum()) for k in range(1, half + 1)] if lattice else []
    total = sum(rings) + (cross_edges if crossing else 0)
    dtype = index_dtype(size, 2 * total)
    out_u, out_v = np.empty(total, dtype), np.empty(total, dtype)
    at = 0
    for k, links in enumerate(rings, start=1):
        rewire = rng.random(links) < rewiring
        slots, first, high = _lattice_ring(order, org_sorted, bounds, k, rewire, out_u, out_v, at)
        if slots.size:
            out_v[slots] = order[first + rng.integers(0, high)]
        at += links
    if crossing:
        u = rng.integers(0, size, cross_edges)
        # the other end's organisation is drawn from the *other* organisations,
        # in proportion to their size, so every cross contact really crosses
        slot = rng.integers(0, _others(u, organisation, bounds, size))
        _cross_pairs(u, slot, organisation, bounds, order, out_u[at:], out_v[at:])
    return ContactGraph.from_pairs(size, out_u, out_v)


@kernel
def _lattice_ring(
    order: np.ndarray,
    org_sorted: np.ndarray,
    bounds: np.ndarray,
    k: int,
    rewire: np.ndarray,
    out_u: np.ndarray,
    out_v: np.ndarray,
    at: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ring k of the lattice: each person in an organisation of more than k people and
    the colleague k places on (round the ring), from ``out_*[at]`` on, in sorted order.

    Rewired links (``rewire``, one per link) are left for the caller, who draws their
    new colleague: returns their (positions in out_v, organisation's first place, size).
    """
    count = 0
    for j in range(rewire.size):
        count += rewire[j]
    slots = np.empty(count, np.int64)
    first = np.empty(count, np.int64)
    high = np.empty(count, np.int64)
    j = 0
    r = 0
    for i in range(order.size):
        code = org_sorted[i]
        start = bounds[code]
        members = bounds[code + 1] - start
        if members <= k:
            continue
        place = i - start + k
        if place >= members:  # i - start < members and k < members: one turn at most
            place -= members
        out_u[at + j] = order[i]
        if rewire[j]:
            slots[r] = at + j
            first[r] = start
            high[r] = members
            r += 1
        else:
            out_v[at + j] = order[start + place]
        j += 1
    return slots, first, high


@kernel
def _others(u: np.ndarray, organisation: np.ndarray, bounds: np.ndarray, size: int) -> np.ndarray:
    """Per person u[j], how many people work in other organisations (int64)."""
    out = np.empty(u.size, np.int64)
    for j in range(u.size):
        code = organisation[u[j]]
        out[j] = size - (bounds[code + 1] - bounds[code])
    return out


@kernel
def _cross_pairs(
    u: np.ndarray,
    slot: np.ndarray,
    organisation: np.ndarray,
    bounds: np.ndarray,
    order: np.ndarray,
    out_u: np.ndarray,
    out_v: np.ndarray,
) -> None:
    """Cross contacts (u[j], the person at sorted place slot[j] counted past u's organisation)."""
    for j in range(u.size):
        code = organisation[u[j]]
        lo, hi = bounds[code], bounds[code + 1]
        place = slot[j] + (hi - lo) if slot[j] >= lo else slot[j]
        out_u[j] = u[j]
        out_v[j] = order[place]


def erdos_renyi_graph(rng: np.random.Generator, size: int, mean_degree: float) -> ContactGraph:
    """G(n, p) with p = mean_degree / (n - 1), sampled by drawing the edge count then pairs.

    The number of edges is Binomial(n(n-1)/2, p); pairs are drawn uniformly
    and duplicates redrawn, which is exactly G(n, p) conditioned on the count.
    """
    if size < 2:
        return ContactGraph.from_pairs(size, np.empty(0, np.int64), np.empty(0, np.int64))
    pairs = size * (size - 1) // 2
    p = min(1.0, mean_degree / (size - 1))
    target = int(rng.binomial(pairs, p))
    keys = np.empty(0, dtype=np.int64)
    while keys.size < target:
        need = target - keys.size
        u = rng.integers(0, size, int(need * 1.1) + 16)
        v = rng.integers(0, size, u.size)
        keep = u != v
        lo = np.minimum(u[keep], v[keep])
        hi = np.maximum(u[keep], v[keep])
        keys = sorted_unique(np.concatenate([keys, lo * size + hi]))
    if keys.size > target:
        keys = np.sort(rng.choice(keys, size=target, replace=False))
    return ContactGraph._with_csr(size, keys // size, keys % size)


def watts_strogatz_graph(
    rng: np.random.Generator, size: int, mean_degree: float, rewiring: float
) -> ContactGraph:
    """Ring lattice with ``mean_degree`` neighbours, each link rewired with prob ``rewiring``.

    The lattice degree is 2 x round(mean_degree / 2) (a ring has an even degree);
    rewired links that would duplicate an edge or make a self-loop are dropped.
    """
    return organisations_graph(
        rng, np.zeros(size, dtype=np.int64), mean_degree, cross_share=0.0, rewiring=rewiring
    )
