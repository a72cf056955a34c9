"""The Xero client: settings, OAuth2 connection, token store, rate-limited API calls."""

import warnings

import authlib.deprecate  # noqa: F401 - installs authlib's "always" filter, which ours must follow

# authlib 1.9 warns that its httpx integration will move to httpx2; httpx is this project's
# HTTP client (chosen by the team), and the warning would otherwise greet every CLI user.
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
