"""Kafka plumbing: settings, the Faust app, topics, Avro codecs, retry and dead-letter routing."""
