"""Privacy: what Latch stores about members, a copy of it, erasing it, and server data retention."""
