"""A demo IT Glue: a deterministic MSP tenant (`tenant`) and an IT Glue-compatible HTTP server
(`server`) that serves it, for the local stack, demos and tests. Nothing here runs in AWS."""
