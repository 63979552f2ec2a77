"""Support resources: the library's organisations and crisis lines, and a server's own."""
