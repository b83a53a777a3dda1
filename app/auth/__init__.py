"""Sign-up and sign-in: one-time codes by email or SMS, Google sign-in, server-side sessions."""
