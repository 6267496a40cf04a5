"""Plumbing every stage shares: progress reporting (`progress`), where build tasks run (`workers`: this process, one
process per core, a Dask cluster), the work a rebuild reuses (`buildcache`), file hashes (`hashing`) and byte-
bounded caches (`lru`). It imports only the standard library, numpy and qa's shared modules (`qa.models`,
`qa.errors`, `qa.settings`); every stage may import it.
"""
