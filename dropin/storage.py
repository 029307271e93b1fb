"""Static files under their hashed names, JavaScript modules' imports included."""
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage, rewriting `import … from "…"` to the hashed file too.

    Otherwise dropin.js would import nhsuk-frontend.min.js by its plain name, which WhiteNoise serves with a
    60-second cache while every hashed file is kept for a year.
    """

    support_js_module_import_aggregation = True
