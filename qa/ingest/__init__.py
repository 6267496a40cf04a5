"""Files to a Corpus: discover and decode files (`reader`, `htmltext`), repair their text with an offset map back to
the raw bytes (`textmap`, `lexicon`, `repair`), find headings, sentences and references (`structure`, `references`),
group sentences into passages (`passages`) and gather the folder into a `Corpus` (`corpus`). It imports `qa.util`
and the shared modules, never search, vectors, storage or anything after them.
"""
