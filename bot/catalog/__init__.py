"""Cards and tips: which a server sees, and the tip rotation."""
