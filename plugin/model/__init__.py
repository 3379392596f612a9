"""The scoring model as the product handles it: sources, versions, preview, actions."""
