"""Results on disk: file utilities, run folders and sweep folders."""
