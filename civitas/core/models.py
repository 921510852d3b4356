"""Base models and the small tables the core owns (reference counters, scheduled jobs)."""

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ReferenceCounter(models.Model):
    """The last number handed out for one prefix and year (e.g. SR 2026 → 123)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="uniq_reference_counter")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.value}"


class ScheduledJob(models.Model):
    """One periodic job. A scheduler claims a run by moving next_run_at forward in one UPDATE."""

    name = models.CharField(max_length=100, unique=True)
    interval_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_claimed_by = models.CharField(max_length=100, blank=True)
    run_count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
