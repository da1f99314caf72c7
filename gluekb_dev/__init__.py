"""The local development stack, the demo IT Glue tenant and the `gluekb` CLI: installed by
`make dev`/`make test`, never shipped in the Lambda layer."""
