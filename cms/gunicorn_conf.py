"""gunicorn settings: `gunicorn -c python:cms.gunicorn_conf wsgi:app`.

The access log leaves out the client's address and the query string (what a reader
searched for): method, path, status, size and time are enough to run the site.
"""

import os

bind = os.environ.get("CMS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("CMS_WORKERS", "2"))
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Workers that die mid-request are replaced; a request never half-commits (one transaction).
timeout = 30
graceful_timeout = 20
# gunicorn believes X-Forwarded-Proto and its kin from 127.0.0.1 by default; here nothing is
# believed at this layer: the app reads X-Forwarded-* only when CMS_TRUSTED_PROXIES says how
# many proxies stand in front (werkzeug's ProxyFix, cms/security.py).
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
