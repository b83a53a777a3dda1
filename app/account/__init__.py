"""The signed-in person's own pages: profile and privacy centre."""
