"""The MCP server container: gluekb tools for assistants."""
