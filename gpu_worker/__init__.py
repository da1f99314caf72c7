"""The embedding worker container: SQS -> chunk -> embed -> index, and POST /embed."""
