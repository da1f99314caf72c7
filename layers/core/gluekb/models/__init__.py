"""Pydantic models: IT Glue records, tickets, index documents, events, API bodies."""
