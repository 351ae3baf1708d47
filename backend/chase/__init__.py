"""The chase loop: reminders that follow a deficiency or a coming expiry until it is fixed,
single-use upload links for brokers who never registered, and per-holder certificate requests
after a renewal."""
