"""aiohttp gateway: Bitrix24 events in, verified and deduplicated, Avro records to Kafka out."""
