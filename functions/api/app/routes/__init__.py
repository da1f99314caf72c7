"""HTTP routes of the api function, one module per resource."""
