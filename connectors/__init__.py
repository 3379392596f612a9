"""Connectors: I/O with local files, Salesforce and Google Sheets."""
