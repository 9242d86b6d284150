"""
Timestamps in the one format the API speaks: ISO-8601, UTC, ``Z`` suffix, microseconds.

The fixed width (always six fractional digits) makes the strings sort like the instants
they name, so SQLite can compare and order them as plain text.
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["epoch_of", "format_epoch", "format_instant", "month_bounds"]


def format_epoch(epoch: float) -> str:
    """
    Format Unix seconds as the API's timestamp string.

    Args:
        epoch: Seconds since the Unix epoch.

    Returns:
        For example ``"2025-03-01T12:00:00.250000Z"``.
    """
    return format_instant(datetime.fromtimestamp(epoch, tz=timezone.utc))


def format_instant(instant: datetime) -> str:
    """
    Format a datetime as the API's timestamp string; a naive datetime is taken as UTC.

    Args:
        instant: The moment to format.

    Returns:
        The UTC timestamp with six fractional digits and a ``Z`` suffix.
    """
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    utc = instant.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def epoch_of(timestamp: str) -> float:
    """
    Parse one of our own timestamp strings back to Unix seconds.

    Args:
        timestamp: A string produced by :func:`format_epoch` or :func:`format_instant`.

    Returns:
        Seconds since the Unix epoch.
    """
    # Python 3.10's fromisoformat does not accept the "Z" suffix.
    parsed = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return parsed.timestamp()


def month_bounds(epoch: float) -> tuple[str, str]:
    """
    Give the calendar month (UTC) that contains an instant, as a billing period.

    Args:
        epoch: Seconds since the Unix epoch.

    Returns:
        The first instant of that month and the first instant of the next one.
    """
    now = datetime.fromtimestamp(epoch, tz=timezone.utc)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:
        end = start.replace(year=start.year + 1, month=1)
    else:
        end = start.replace(month=start.month + 1)
    return format_instant(start), format_instant(end)
