"""Curation: a server's settings, audit log, own tips and own resources."""
