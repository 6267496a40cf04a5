"""The framework integrations in the offline condition: a fresh interpreter in a network namespace with no
interface up (`unshare -n`), an empty HOME and cache, no NLTK_DATA or TIKTOKEN_CACHE_DIR. Each retriever answers,
and what LlamaIndex pipelines do next (its tiktoken tokenizer, nltk stopwords and punkt sentence splitter) works
from the data its wheel ships: nothing downloads."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from integrations import ANSWERED, ANSWERED_IDS

SCRIPT = """
import json, sys
from qa.api import QA
from qa.rag.haystack import QARetriever as HaystackRetriever
from qa.rag.langchain import QARetriever as LangChainRetriever
from qa.rag.llamaindex import QARetriever as LlamaIndexRetriever

index, question = sys.argv[1:]
qa = QA.open(index)
out = {"langchain": [d.id for d in LangChainRetriever(source=qa).invoke(question)]}
nodes = LlamaIndexRetriever(qa).retrieve(question)
out["llamaindex"] = [n.node.node_id for n in nodes]

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.utils import get_tokenizer, globals_helper

out["tokens"] = get_tokenizer()("calf pain")
out["stopwords"] = "the" in globals_helper.stopwords
splitter = SentenceSplitter(chunk_size=64, chunk_overlap=0)
out["chunks"] = [n.text for n in splitter.get_nodes_from_documents([Document(text=nodes[1].node.text * 3)])]

from haystack import Pipeline

pipeline = Pipeline()
pipeline.add_component("retriever", HaystackRetriever(qa))
out["haystack"] = [d.id for d in pipeline.run({"retriever": {"query": question}})["retriever"]["documents"]]
print(json.dumps(out))
"""


def unshare() -> list[str]:
    path = shutil.which("unshare")
    if not path or subprocess.run([path, "-n", "true"], capture_output=True, timeout=10).returncode != 0:
        pytest.skip("needs `unshare -n` (util-linux, as root or with user namespaces) to cut the network off")
    return [path, "-n"]


@pytest.mark.slow
def test_the_retrievers_work_with_no_network_and_no_caches(seed_qa, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "LANG": "C.UTF-8"}
    env["HAYSTACK_TELEMETRY_ENABLED"] = "False"  # as the README tells Haystack users who run offline
    command = [*unshare(), sys.executable, "-W", "error", "-c", SCRIPT, str(seed_qa.index_dir), ANSWERED]
    run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.splitlines()[-1])
    assert out["langchain"] == out["llamaindex"] == out["haystack"] == ANSWERED_IDS
    assert out["tokens"] == [66, 3181, 6784]  # cl100k_base, from the tiktoken file llama-index-core ships
    assert out["stopwords"] is True
    text = seed_qa.passage(ANSWERED_IDS[1]).text
    assert "".join(out["chunks"]).replace(" ", "") == (text * 3).replace(" ", "")
    assert len(out["chunks"]) > 1
    # nothing was fetched into a cache either; intel/ is OpenVINO's telemetry bookkeeping (a client id and a usage
    # count), written by the sentence encoder's runtime (qa.vectors.encoder) whether or not a framework is loaded
    written = sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())
    assert [path for path in written if not path.startswith("intel/")] == []
