"""What the gateway and the dashboard share over HTTP: one refusal type and one JSON-error
middleware, so every refused request gets the same `{"error": code, "reason": reason}` shape."""
