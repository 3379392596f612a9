"""The Flask app: webhooks, the Sheets add-on backend, the dashboard and its JSON API."""
