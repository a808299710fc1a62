"""Blob store for recordings: large payloads never travel through Kafka; records carry a reference."""
