"""Control plane: installed portals, per-portal settings, token requests and reconcile marks,
each a compacted Kafka topic materialised in memory by every process."""
