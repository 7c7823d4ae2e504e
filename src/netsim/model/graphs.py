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


@kernel
def _tie_csr(
    n: int, u: np.ndarray, v: np.ndarray, with_rows: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, indices, row of each position) of the undirected pairs (u[k], v[k]).

    The pairs (u, v) in order, then their (v, u), placed by a stable counting sort on
    the row: the layout scipy's coo_tocsr gives the same pairs. Index arrays take the
    ends' dtype; the rows are left empty unless asked for.
    """
    indptr = np.zeros(n + 1, u.dtype)
    for k in range(u.size):
        indptr[u[k] + 1] += 1
        indptr[v[k] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    indices = np.empty(2 * u.size, u.dtype)
    rows = np.empty(2 * u.size if with_rows else 0, u.dtype)
    nxt = indptr[:-1].copy()
    _place(u, v, nxt, indices, rows, with_rows)
    _place(v, u, nxt, indices, rows, with_rows)
    return indptr, indices, rows


@kernel
def _place(
    row_of: np.ndarray,
    col_of: np.ndarray,
    nxt: np.ndarray,
    indices: np.ndarray,
    rows: np.ndarray,
    with_rows: bool,
) -> None:
    """Put each pair (row_of[k], col_of[k]) at its row's next free CSR position."""
    for k in range(row_of.size):
        row = row_of[k]
        slot = nxt[row]
        indices[slot] = col_of[k]
        if with_rows:
            rows[slot] = row
        nxt[row] = slot + 1


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
    indptr, indices, rows = _tie_csr(n, tie_u[kept], tie_v[kept], small)
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

    ``edge_u[k] < edge_v[k]`` are the ends of undirected edge ``k``. For person
    ``i``, ``neighbour[indptr[i]:indptr[i+1]]`` are their contacts and
    ``edge_of[...]`` the matching edge ids.
    """

    size: int
    edge_u: np.ndarray
    edge_v: np.ndarray
    indptr: np.ndarray
    neighbour: np.ndarray
    edge_of: np.ndarray
    source: np.ndarray
    """The person at each CSR slot (``source[s]`` is the ``i`` whose slice holds ``s``)."""
    edge_key: np.ndarray
    """Sorted ``edge_u * size + edge_v``: finds an edge by binary search."""
    _ends32: tuple[np.ndarray, np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _dense: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _contacts: tuple[np.ndarray, bool] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _csr: ContactCSR | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def edge_count(self) -> int:
        return int(self.edge_u.size)

    def _csr_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """(edge_u, edge_v) for building tie CSRs: int32 copies (made once) where indices fit.

        Half the bytes to gather, concatenate and counting-sort every step, and
        the result is already in the 32-bit form scipy's graph routines want.
        """
        if max(self.size, 2 * self.edge_count) >= np.iinfo(np.int32).max:
            return self.edge_u, self.edge_v
        if self._ends32 is None:
            ends = (self.edge_u.astype(np.int32), self.edge_v.astype(np.int32))
            object.__setattr__(self, "_ends32", ends)
        return self._ends32  # type: ignore[return-value]

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

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
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        keep = u != v
        lo = np.minimum(u[keep], v[keep])
        hi = np.maximum(u[keep], v[keep])
        key = sorted_unique(lo * size + hi)
        edge_u = (key // size).astype(np.int64)
        edge_v = (key % size).astype(np.int64)
        return cls._with_csr(size, edge_u, edge_v)

    @classmethod
    def _with_csr(cls, size: int, edge_u: np.ndarray, edge_v: np.ndarray) -> ContactGraph:
        m = edge_u.size
        src = np.concatenate([edge_u, edge_v])
        dst = np.concatenate([edge_v, edge_u])
        eid = np.concatenate([np.arange(m), np.arange(m)])
        order = np.argsort(src, kind="stable")
        counts = np.bincount(src, minlength=size)
        indptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(
            size=size,
            edge_u=edge_u,
            edge_v=edge_v,
            indptr=indptr,
            neighbour=dst[order].astype(np.int64),
            edge_of=eid[order].astype(np.int64),
            source=src[order].astype(np.int64),
            edge_key=edge_u * size + edge_v,
        )

    def union(self, other_u: np.ndarray, other_v: np.ndarray) -> ContactGraph:
        """This graph plus extra pairs (used to add a real network to generated contacts)."""
        return ContactGraph.from_pairs(
            self.size,
            np.concatenate([self.edge_u, other_u]),
            np.concatenate([self.edge_v, other_v]),
        )

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
        kept = present.nonzero()[0]
        edge_u, edge_v = self._csr_ends()
        small = 2 * kept.size <= _SMALL_TIE_POSITIONS
        indptr, indices, position_rows = _tie_csr(self.size, edge_u[kept], edge_v[kept], small)
        return tie_view(indptr, indices, position_rows, kept, small)

    def edge_ids(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Edge id of each pair (u, v), or -1 where there is no such edge.

        Small graphs (up to _DENSE_LOOKUP_MAX people) answer from a dense id
        matrix made on first use: one gather per pair instead of a binary
        search, which is most of the cost of the per-step transitivity sample
        at sweep sizes. Larger graphs binary-search the sorted edge keys.
        """
        if self.size <= _DENSE_LOOKUP_MAX:
            if self._dense is None:
                dense = np.full((self.size, self.size), -1, dtype=np.int32)
                ids = np.arange(self.edge_count, dtype=np.int32)
                dense[self.edge_u, self.edge_v] = ids
                dense[self.edge_v, self.edge_u] = ids
                object.__setattr__(self, "_dense", dense)
            return self._dense[u, v].astype(np.int64)  # type: ignore[index]
        lo = np.minimum(u, v).astype(np.int64)
        hi = np.maximum(u, v).astype(np.int64)
        key = lo * self.size + hi
        keys = self.edge_key
        pos = np.searchsorted(keys, key)
        pos_c = np.minimum(pos, max(keys.size - 1, 0))
        found = (keys.size > 0) & (pos < keys.size)
        found = found & (keys[pos_c] == key) if keys.size else np.zeros(key.shape, bool)
        return np.where(found, pos_c, -1)


def organisation_of(size: int, organisations: int) -> np.ndarray:
    """Assign people to organisations in near-equal contiguous blocks (person i -> org)."""
    organisations = max(1, min(organisations, size))
    return (np.arange(size, dtype=np.int64) * organisations // size).astype(np.int64)


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
    """
    size = organisation.size
    within_degree = mean_degree * (1.0 - cross_share)
    half = round(within_degree / 2.0)
    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    if half > 0 and size > 1:
        order = np.argsort(organisation, kind="stable")
        org_sorted = organisation[order]
        starts = np.searchsorted(org_sorted, org_sorted, side="left")
        ends = np.searchsorted(org_sorted, org_sorted, side="right")
        org_size = ends - starts
        pos = np.arange(size) - starts
        for k in range(1, half + 1):
            ok = org_size > k
            partner_pos = (pos + k) % np.maximum(org_size, 1)
            partner = order[starts + partner_pos]
            u = order[ok]
            v = partner[ok]
            rewire = rng.random(u.size) < rewiring
            if rewire.any():
                idx = np.flatnonzero(ok)[rewire]
                v = v.copy()
                v[rewire] = order[starts[idx] + rng.integers(0, org_size[idx])]
            us.append(u)
            vs.append(v)
    cross_edges = round(size * mean_degree * cross_share / 2.0)
    organisations = int(organisation.max()) + 1 if size else 0
    if cross_edges > 0 and organisations > 1:
        order = np.argsort(organisation, kind="stable")
        bounds = np.searchsorted(organisation[order], np.arange(organisations + 1))
        u = rng.integers(0, size, cross_edges)
        # the other end's organisation is drawn from the *other* organisations,
        # in proportion to their size, so every cross contact really crosses
        own = organisation[u]
        own_lo, own_hi = bounds[own], bounds[own + 1]
        slot = rng.integers(0, size - (own_hi - own_lo))
        slot = np.where(slot >= own_lo, slot + (own_hi - own_lo), slot)
        v = order[slot]
        us.append(u)
        vs.append(v)
    if not us:
        return ContactGraph.from_pairs(size, np.empty(0, np.int64), np.empty(0, np.int64))
    return ContactGraph.from_pairs(size, np.concatenate(us), np.concatenate(vs))


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
