"""The staff console under /admin: staff only, a second code on each new device, every action audited."""
