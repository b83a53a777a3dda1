"""Marketing pages, legal documents and site maps."""
