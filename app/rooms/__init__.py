"""Rooms: claiming names, the lobby, the meeting page and its Socket.IO signaling."""
