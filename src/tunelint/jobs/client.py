"""Connect to a fine-tuning provider and turn its failures into one-line errors."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TextIO

from tunelint.engine.errors import TunelintError

if TYPE_CHECKING:
    import httpx2
    from openai import OpenAI

Provider = Literal["openai", "azure"]

# Environment variables that may hold a secret: their values never appear in a message.
_SECRET_VARIABLES = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN")

WINDING_DOWN = (
    "this organisation cannot start fine-tuning jobs (403 training_not_available): OpenAI is "
    "winding down self-serve fine-tuning (new jobs stop on 2027-01-06); train on Azure OpenAI "
    "with --provider azure, or on any OpenAI-compatible fine-tuning endpoint with --base-url URL"
)


class ProviderError(TunelintError):
    """The provider refused a request or could not be reached."""


@dataclass(frozen=True, slots=True)
class Connection:
    """Where and how to reach the fine-tuning API (the key comes from the environment)."""

    provider: Provider = "openai"
    base_url: str | None = None
    api_version: str | None = None
    max_retries: int = 2
    timeout: float = 600.0


def _checked_key(variable: str) -> str | None:
    """The key in ``variable``; one that no HTTP header can carry is refused, unquoted."""
    key = os.environ.get(variable)
    if key and not (key.isascii() and key.isprintable() and " " not in key):
        raise ProviderError(
            f"{variable} is malformed: an API key is printable ASCII without spaces or line "
            "breaks (check how it was exported, e.g. a trailing newline from a file)"
        )
    return key


def _expect_json(response: httpx2.Response) -> None:
    """Refuse a successful answer that is not a JSON object (a captive portal's page, an
    empty body, a --base-url that is not the API), before the SDK misreads it."""
    import openai

    if not response.is_success:
        return
    response.read()
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        shown = "an empty answer" if not response.content else f"{kind}, not a JSON object"
        raise openai.APIResponseValidationError(
            response,
            None,
            message=f"the provider sent {shown} (is --base-url the API's address?)",
        )


def _http_client(timeout: float) -> Any:
    import openai

    return openai.DefaultHttpxClient(timeout=timeout, event_hooks={"response": [_expect_json]})


def connect(connection: Connection) -> OpenAI:
    """Build the SDK client; a missing key or endpoint is reported before any request."""
    import openai

    if connection.provider == "azure":
        key = _checked_key("AZURE_OPENAI_API_KEY")
        endpoint = connection.base_url or os.environ.get("AZURE_OPENAI_ENDPOINT")
        version = connection.api_version or os.environ.get("OPENAI_API_VERSION")
        if not key:
            raise ProviderError("AZURE_OPENAI_API_KEY is not set: export your Azure OpenAI key")
        if not endpoint:
            raise ProviderError(
                "no Azure endpoint: pass --base-url https://RESOURCE.openai.azure.com "
                "or set AZURE_OPENAI_ENDPOINT"
            )
        if not version:
            raise ProviderError(
                "no Azure API version: pass --api-version or set OPENAI_API_VERSION"
            )
        return openai.AzureOpenAI(
            api_key=key,
            azure_endpoint=endpoint,
            api_version=version,
            max_retries=connection.max_retries,
            timeout=connection.timeout,
            http_client=_http_client(connection.timeout),
        )
    key = _checked_key("OPENAI_API_KEY")
    if not key:
        raise ProviderError("OPENAI_API_KEY is not set: export your API key")
    return openai.OpenAI(
        api_key=key,
        base_url=connection.base_url,
        max_retries=connection.max_retries,
        timeout=connection.timeout,
        http_client=_http_client(connection.timeout),
    )


def _secret_forms(secret: str) -> Iterator[str]:
    """How a secret can appear in a message: as it is, stripped, escaped as ``repr`` and
    bytes show it, and each run of it between whitespace."""
    yield secret
    yield secret.strip()
    yield repr(secret)[1:-1]
    yield repr(secret.encode("utf-8", "backslashreplace"))[2:-1]
    yield from secret.split()


def redact(text: str) -> str:
    """``text`` with every secret of the environment, in any of its forms, masked."""
    for name in _SECRET_VARIABLES:
        secret = os.environ.get(name)
        if secret:
            forms = {form for form in _secret_forms(secret) if len(form) >= 8}
            for form in sorted(forms, key=len, reverse=True):
                text = text.replace(form, "***")
    return text


def one_line(text: str) -> str:
    """``text`` on one line, with every secret of the environment masked (before the
    whitespace is collapsed, which would change how a secret reads)."""
    return re.sub(r"\s+", " ", redact(text)).strip()


class _Redacting(io.TextIOBase):
    """A text stream that masks the environment's secrets in whatever passes through."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


@contextmanager
def redacted_output() -> Iterator[None]:
    """Mask secrets in everything printed inside the block: what a provider answers (a job's
    error, an echoing endpoint) is printed on success too."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Redacting(out), _Redacting(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


@contextmanager
def provider_errors(action: str) -> Iterator[None]:
    """Report any SDK failure inside the block as ``ProviderError('<action>: <why>')``.

    The SDK has already retried 408/409/429/5xx and connection errors when they arrive here.
    """
    import openai

    try:
        yield
    except openai.APIStatusError as error:
        body = error.body
        detail = body.get("message") if isinstance(body, dict) else None
        why = one_line(str(detail or body or error.message))
        status = error.status_code
        if status == 403 and error.code == "training_not_available":
            raise ProviderError(f"{action}: {WINDING_DOWN}") from None
        if status == 401:
            why = f"the API key was rejected (401): {why}"
        elif status == 403:
            why = f"permission denied (403): {why}"
        elif status == 404:
            why = f"not found (404): {why}"
        elif status == 429:
            why = f"rate limited or out of quota (429), even after retries: {why}"
        elif status >= 500:
            why = f"the provider failed ({status}), even after retries: {why}"
        else:
            why = f"HTTP {status}: {why}"
        raise ProviderError(f"{action}: {why}") from None
    except openai.APITimeoutError:
        raise ProviderError(f"{action}: the request timed out, even after retries") from None
    except openai.APIConnectionError as error:
        cause = error.__cause__
        reason = one_line(str(cause)) if cause else "connection failed"
        raise ProviderError(f"{action}: cannot reach the provider ({reason})") from None
    except openai.OpenAIError as error:
        raise ProviderError(f"{action}: {one_line(str(error))}") from None
