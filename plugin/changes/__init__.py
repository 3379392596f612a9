"""Changes pushed by Salesforce: webhook verification, the durable inbox and its worker."""
