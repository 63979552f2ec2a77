"""Scheduled tip posts: each server's schedule (the service) and the dispatcher that posts them."""
