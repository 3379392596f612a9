"""The scoring model as the product handles it: where it comes from, and its stored versions."""
