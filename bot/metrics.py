"""Prometheus metrics, served on HEALTH_PORT at /metrics.

Labels are never user data: command names, outcomes and reasons come from small fixed sets, so the
series stay few and say nothing about who did what.
"""

from __future__ import annotations

import math

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter(
    "latch_commands",
    "Slash commands and components handled, by command name and outcome (ok, user_error, error).",
    ["command", "outcome"],
    registry=REGISTRY,
)
INTERACTION_LATENCY = Histogram(
    "latch_interaction_latency_seconds",
    "Time from an interaction arriving to its handler finishing.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
    registry=REGISTRY,
)
REMINDERS_SENT = Counter(
    "latch_reminders_sent", "Pumping reminders delivered (late ones included).", registry=REGISTRY
)
REMINDERS_LATE = Counter(
    "latch_reminders_late",
    "Reminders delivered after downtime, marked late (missed by less than 30 minutes).",
    registry=REGISTRY,
)
REMINDERS_FAILED = Counter(
    "latch_reminders_failed",
    "Reminder deliveries that failed, by reason (dm_closed, channel_gone, server_error, ...).",
    ["reason"],
    registry=REGISTRY,
)
REMINDER_LATENESS = Histogram(
    "latch_reminder_lateness_seconds",
    "How long after its scheduled time a reminder was sent.",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0, 1800.0),
    registry=REGISTRY,
)
REMINDERS_RECOVERED = Counter(
    "latch_reminders_recovered",
    "Reminder claims taken over after their process stopped (its lease ended), to be sent again.",
    registry=REGISTRY,
)
PROCESSES_LIVE = Gauge(
    "latch_processes_live",
    "Bot processes sharing the database and the token's send budget, as this process last counted.",
    registry=REGISTRY,
)
SHARD_LATENCY = Gauge(
    "latch_shard_latency_seconds",
    "Each of this process's shards: its gateway heartbeat latency (NaN until measured), as last read.",
    ["shard"],
    registry=REGISTRY,
)
SHARD_CONNECTED = Gauge(
    "latch_shard_connected",
    "Each of this process's shards: 1 when connected to the gateway, else 0, as last read.",
    ["shard"],
    registry=REGISTRY,
)
SCHEDULED_POSTS = Counter(
    "latch_scheduled_posts",
    "Scheduled tip posts, by outcome (posted, skipped_late, failed).",
    ["outcome"],
    registry=REGISTRY,
)


def record_shards(shards: dict[int, tuple[bool, float | None]]) -> None:
    """This process's shards as /healthz or /metrics read them: connected, and latency in seconds."""
    for shard_id, (connected, latency) in shards.items():
        label = str(shard_id)
        SHARD_CONNECTED.labels(shard=label).set(1 if connected else 0)
        SHARD_LATENCY.labels(shard=label).set(latency if latency is not None else math.nan)


def record_interaction(command: str, outcome: str, seconds: float) -> None:
    """One slash command or component handled: its outcome (ok, user_error, error) and latency."""
    COMMANDS.labels(command=command, outcome=outcome).inc()
    INTERACTION_LATENCY.observe(seconds)
