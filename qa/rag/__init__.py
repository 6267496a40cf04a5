"""What a retrieval-augmented generation pipeline plugs in: framework retrievers (Haystack, LangChain, LlamaIndex),
the snippets they share and the MCP server. They sit above the Python API (`qa.api`) and the HTTP client
(`qa.client`); nothing in the library imports them.
"""
