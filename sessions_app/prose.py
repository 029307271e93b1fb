"""How things read in a sentence."""


def listed(words: list[str]) -> str:
    """Return the words as a sentence lists them: “Tuesday”, “Tuesday and Thursday”, “Monday, Tuesday and Friday”."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
