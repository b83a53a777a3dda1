"""Running an installation: backups, restores and the consistency check."""
