"""Seeds for many runs: each run's seed from the batch seed and the run's identity.

Lives with the configuration because an experiment file's design fixes every run's
seed before anything runs (:mod:`netsim.config.experiments`), and the engines that
run them (:mod:`netsim.batch.engines`) use the same rule.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np


def derive_seed(base_seed: int, *identity: Any) -> int:
    """A run's seed from the batch seed and the run's identity (not its position or worker).

    Uses numpy's SeedSequence over the base seed and a hash of the identity, so
    seeds are independent streams and do not depend on order, worker count or engine.
    """
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return int(np.random.SeedSequence([base_seed & 0xFFFFFFFF, *words]).generate_state(1)[0])
