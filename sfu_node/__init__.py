"""Parlor SFU node: a standalone asyncio media router (no Flask anywhere in its imports)."""
