"""The public status page: components, published incidents, scheduled maintenance, subscribers."""
