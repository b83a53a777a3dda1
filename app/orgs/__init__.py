"""Parlor Business: organisations, their members and seats, team rooms, brand and audit log."""
