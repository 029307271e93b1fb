"""How a view shows a refusal on its form: beside the field it names, or in one sentence after a redirect."""
from django.core.exceptions import ValidationError


def errors_sentence(form) -> str:
    """Return a form's errors as one sentence, for a message after a redirect."""
    return " ".join(message for errors in form.errors.values() for message in errors)


def add_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on its field where the form has one, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
