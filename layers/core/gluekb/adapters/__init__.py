"""The edges: AWS, IT Glue, search indexes, the embedder. Only adapters import boto3."""
