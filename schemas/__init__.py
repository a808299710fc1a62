"""Avro contracts between the pipeline stages (see topics.yaml and avro/*.avsc)."""
