"""Monitoring alerts to enriched incident tickets: matching, context, incidents."""
