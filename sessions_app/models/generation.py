from django.db import models


class DataGeneration(models.Model):
    """One row whose number the database itself moves on with every write that a page or figure could show.

    Triggers on every table move it (sessions_app/generation.py installs them after each migrate); built
    pages, feeds and figures are cached under it, so any write, however it was made, makes them new.
    """

    value = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="%(app_label)s_%(class)s_one_row",
                                              violation_error_message="There is only one data generation.")]

    def __str__(self):
        return f"Data generation {self.value}"
