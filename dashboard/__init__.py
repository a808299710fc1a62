"""The embedded dashboard: CRM card tabs (placements) and the admin settings, as a JSON API."""
