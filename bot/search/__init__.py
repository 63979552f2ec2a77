"""Full-text search over the library and a server's own tips and resources."""
