"""The WSGI entry point: `gunicorn wsgi:app`. The served site needs CMS_BASE_URL."""

from cms import create_app
from cms.links import require_base_url

app = create_app()
require_base_url(app)
