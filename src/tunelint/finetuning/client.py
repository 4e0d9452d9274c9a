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
from typing import TYPE_CHECKING, Any, TextIO

from tunelint.engine.errors import TunelintError
from tunelint.finetuning.providers.presets import PRESETS, Preset, ProviderName

if TYPE_CHECKING:
    import httpx2
    from openai import OpenAI

Provider = ProviderName

# Environment variables that may hold a secret: their values never appear in a message.
_SECRET_VARIABLES = (
    *dict.fromkeys(name for preset in PRESETS.values() for name in preset.key_variables),
    "AZURE_OPENAI_AD_TOKEN",
)

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


def api_key(preset: Preset) -> str:
    """The key from the first of the provider's variables that is set; one that no HTTP
    header can carry is refused, unquoted."""
    for name in preset.key_variables:
        if key := os.environ.get(name):
            if not (key.isascii() and key.isprintable() and " " not in key):
                raise ProviderError(
                    f"{name} is malformed: an API key is printable ASCII without spaces or "
                    "line breaks (check how it was exported, e.g. a trailing newline from a file)"
                )
            return key
    names = " or ".join(preset.key_variables)
    raise ProviderError(f"{names} is not set: export your {preset.title} API key")


def endpoint(preset: Preset, base_url: str | None) -> str | None:
    """``--base-url``, else the preset's URL filled from the environment (None: the SDK's)."""
    if base_url or preset.base_url is None:
        return base_url
    values = {name: os.environ.get(variable) for name, variable in preset.url_variables.items()}
    missing = [preset.url_variables[name] for name, value in values.items() if not value]
    if missing:
        raise ProviderError(
            f"no {preset.title} endpoint: pass --base-url {preset.example_url} or set {missing[0]}"
        )
    return preset.base_url.format_map(values)


def json_only_client(sdk: Any, timeout: float) -> Any:
    """An HTTP client for ``sdk`` (the openai, together or fireworks module: their SDKs share
    one generator) that refuses a successful answer that is not a JSON object (a captive
    portal's page, an empty body, a --base-url that is not the API) before the SDK misreads
    it, as the SDK's own ``APIResponseValidationError``, which ``provider_errors`` reports."""

    def expect_json(response: httpx2.Response) -> None:
        if not response.is_success or response.request.method == "PUT":
            return  # a PUT stores a file at a signed URL: its answer is the storage's, not JSON
        response.read()
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            shown = "an empty answer" if not response.content else f"{kind}, not a JSON object"
            raise sdk.APIResponseValidationError(
                response,
                None,
                message=f"the provider sent {shown} (is --base-url the API's address?)",
            )

    return sdk.DefaultHttpxClient(timeout=timeout, event_hooks={"response": [expect_json]})


def connect(connection: Connection) -> OpenAI:
    """Build the SDK client; a missing key or endpoint is reported before any request."""
    import openai

    preset = PRESETS[connection.provider]
    key = api_key(preset)
    url = endpoint(preset, connection.base_url)
    if connection.provider == "azure":
        assert url is not None  # the preset's URL names its variable
        version = (
            connection.api_version or os.environ.get("OPENAI_API_VERSION") or preset.api_version
        )
        return openai.AzureOpenAI(
            api_key=key,
            azure_endpoint=url,
            api_version=version,
            max_retries=connection.max_retries,
            timeout=connection.timeout,
            http_client=json_only_client(openai, connection.timeout),
        )
    return openai.OpenAI(
        api_key=key,
        base_url=url,
        max_retries=connection.max_retries,
        timeout=connection.timeout,
        http_client=json_only_client(openai, connection.timeout),
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


class TrainingNotAvailable(ProviderError):
    """OpenAI's 403 ``training_not_available``: this organisation can start no job."""


_BASE_ERRORS = ("OpenAIError", "TogetherError", "FireworksError")


@contextmanager
def provider_errors(action: str, sdk: Any = None) -> Iterator[None]:
    """Report any SDK failure inside the block as ``ProviderError('<action>: <why>')``.

    ``sdk`` is the provider's SDK module (``openai`` when not given): the official SDKs share
    their exception classes' names. The SDK has already retried 408/409/429/5xx and connection
    errors when they arrive here.
    """
    if sdk is None:
        import openai as sdk
    base_error = next(getattr(sdk, name) for name in _BASE_ERRORS if hasattr(sdk, name))
    try:
        yield
    except sdk.APIStatusError as error:
        body = error.body
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body = body["error"]  # the SDKs that keep the whole answer (Together)
        detail = body.get("message") if isinstance(body, dict) else None
        why = one_line(str(detail or body or error.message))
        status = error.status_code
        if status == 403 and getattr(error, "code", None) == "training_not_available":
            raise TrainingNotAvailable(f"{action}: {WINDING_DOWN}") from None
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
    except sdk.APITimeoutError:
        raise ProviderError(f"{action}: the request timed out, even after retries") from None
    except sdk.APIConnectionError as error:
        cause = error.__cause__
        if isinstance(cause, sdk.APIResponseValidationError):
            # json_only_client's refusal, which Together's and Fireworks' SDKs retry and
            # then report as a connection failure
            raise ProviderError(f"{action}: {one_line(cause.message)}") from None
        reason = one_line(str(cause)) if cause else "connection failed"
        raise ProviderError(f"{action}: cannot reach the provider ({reason})") from None
    except base_error as error:
        raise ProviderError(f"{action}: {one_line(str(error))}") from None
