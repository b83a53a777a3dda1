"""Privacy centre: dashboard, export, erasure, retention, policy notices and consented email."""
