"""`python -m qa` is the `qa` command (for hosts that launch a module, e.g. an MCP stdio server)."""

from qa.cli import main

if __name__ == "__main__":
    main()
