"""Many runs: execution engines (serial, local processes, Dask), sweeps, comparisons."""
