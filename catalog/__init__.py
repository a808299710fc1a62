"""Projects and versioned scorecards: the domain the stages judge calls by (no Kafka here)."""
