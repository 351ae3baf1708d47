"""Defences every request passes through: input bounds, security headers, rate limits."""
