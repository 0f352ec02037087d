"""A small but real OpenID Provider for the oidc-link tests.

Built on authlib's server components (Flask AuthorizationServer, the OpenID
Connect authorization code grant, PKCE) and run as a separate process, so the
oidc-link service talks to it over real HTTP exactly as it would talk to
Google or Okta. See `server.py` for the tenants, the test users and the knobs.
"""
