"""The web console's logic: sessions and CSRF tokens, and the views its pages compose from the
query, ticket and audit services (tenancy always decided by those services' own checks)."""
