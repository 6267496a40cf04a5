"""The index folder: passages, documents and references as columns (`store`) and the atomic build with its manifest,
checksums, lock and staleness check (`index`), which runs ingest, search and vectors. It imports those three stages,
`qa.util` and the shared modules, never answering or anything after it.
"""
