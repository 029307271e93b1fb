from django.db import models


class DataGeneration(models.Model):
    """One row whose number the database moves on with every write a page could show (sessions_app/generation.py)."""

    value = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="%(app_label)s_%(class)s_one_row",
                                              violation_error_message="There is only one data generation.")]

    def __str__(self):
        return f"Data generation {self.value}"
