"""Console views, one module per area; each module ends with its `urls` list."""
