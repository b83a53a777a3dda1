"""The SFU node registry: signed registration and heartbeats, health, and room placement."""
