"""The running product: sync, store, scheduler, Flask app and CLI."""
