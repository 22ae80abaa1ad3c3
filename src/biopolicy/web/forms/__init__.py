"""HTML forms: parsing what a browser posts into cases, and the share-link codec."""
