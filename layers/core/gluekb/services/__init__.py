"""The logic: sync, indexing, search, answers, tickets, webhooks. Services never import handlers."""
