"""Tiny tokenizer folders for the template tests (and the ``tokenizer`` fixture), built with ``tokenizers`` at test time.

Each family gets a byte-level BPE trained on a few lines, with that family's special
tokens, and a hand-written chat template modelled on the structure of the family's real
one (ChatML/Qwen2.5, Llama 3, Gemma, Qwen3, a template that iterates tool arguments as
a mapping). The templates are written for these tests; none is copied from a model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

CORPUS = [
    "The weather in Paris is sunny and warm today.",
    "What is the capital of France? The capital of France is Paris.",
    "user assistant system tool model",
    "Add the numbers: 2 + 2 = 4, 3 + 3 = 6.",
    'Call get_weather with {"city": "Paris"} and read the answer.',
    "Hello! How can I help you today? Be brief and helpful.",
]

CHATML = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

# ChatML with TRL-style generation blocks: the answer and its end-of-turn token.
CHATML_GENERATION = """{%- for message in messages %}
{%- if message.role == 'assistant' %}
{{- '<|im_start|>assistant\\n' }}{% generation %}{{ message.content + '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}
{%- else %}
{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"""

# Generation blocks that close before the end-of-turn token.
CHATML_GENERATION_NO_STOP = CHATML_GENERATION.replace(
    "{{ message.content + '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}",
    "{{ message.content }}{% endgeneration %}{{ '<|im_end|>\\n' }}",
)

# Qwen2.5-style: tools in the system turn, tool calls as JSON with the arguments written
# by tojson, tool results as user turns.
CHATML_TOOLS = """{%- if tools %}
{{- '<|im_start|>system\\n' }}
{%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}
{{- '# Tools\\n<tools>' }}
{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}
{{- '\\n</tools><|im_end|>\\n' }}
{%- elif messages[0].role == 'system' %}
{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
{%- if message.role == 'user' or (message.role == 'system' and not loop.first) or (message.role == 'assistant' and not message.tool_calls) %}
{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
{%- elif message.role == 'assistant' %}
{{- '<|im_start|>assistant' }}
{%- if message.content %}{{- '\\n' + message.content }}{%- endif %}
{%- for tool_call in message.tool_calls %}
{%- set call = tool_call.function if tool_call.function is defined else tool_call %}
{{- '\\n<tool_call>\\n{"name": "' + call.name + '", "arguments": ' }}{{- call.arguments | tojson }}{{- '}\\n</tool_call>' }}
{%- endfor %}
{{- '<|im_end|>\\n' }}
{%- elif message.role == 'tool' %}
{{- '<|im_start|>user\\n<tool_response>\\n' + message.content + '\\n</tool_response><|im_end|>\\n' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"""

LLAMA3 = """{{- bos_token }}
{%- for message in messages %}
{{- '<|start_header_id|>' + message.role + '<|end_header_id|>\\n\\n' + message.content | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"""

GEMMA = """{{ bos_token }}
{%- if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}
{%- for message in messages %}
{%- if (message.role == 'user') != (loop.index0 % 2 == 0) %}
{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
{%- endif %}
{%- set role = 'model' if message.role == 'assistant' else message.role %}
{{- '<start_of_turn>' + role + '\\n' + message.content | trim + '<end_of_turn>\\n' }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<start_of_turn>model\\n' }}{%- endif %}"""

# Qwen3-style: the reasoning of assistant turns before the last user message is dropped.
QWEN3 = """{%- set ns = namespace(last_query=-1) %}
{%- for message in messages[::-1] %}
{%- set index = (messages | length - 1) - loop.index0 %}
{%- if message.role == 'user' and ns.last_query == -1 %}{%- set ns.last_query = index %}{%- endif %}
{%- endfor %}
{%- for message in messages %}
{%- if message.role == 'assistant' %}
{%- set content = message.content %}
{%- set reasoning = '' %}
{%- if '</think>' in content %}
{%- set reasoning = content.split('</think>')[0].split('<think>')[-1].strip('\\n') %}
{%- set content = content.split('</think>')[-1].lstrip('\\n') %}
{%- endif %}
{%- if loop.index0 > ns.last_query %}
{{- '<|im_start|>assistant\\n<think>\\n' + reasoning + '\\n</think>\\n\\n' + content + '<|im_end|>\\n' }}
{%- else %}
{{- '<|im_start|>assistant\\n' + content + '<|im_end|>\\n' }}
{%- endif %}
{%- else %}
{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"""

# Qwen3-Coder-style tool calls: the template iterates the arguments as a mapping.
TOOLS_MAPPING = """{%- for message in messages %}
{%- if message.role == 'assistant' and message.tool_calls %}
{{- '<|im_start|>assistant\\n' }}
{%- for tool_call in message.tool_calls %}
{{- '<tool_call>\\n<function=' + tool_call.function.name + '>\\n' }}
{%- for name, value in tool_call.function.arguments.items() %}
{{- '<parameter=' + name + '>\\n' + value | string + '\\n</parameter>\\n' }}
{%- endfor %}
{{- '</function>\\n</tool_call>' }}
{%- endfor %}
{{- '<|im_end|>\\n' }}
{%- else %}
{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"""

# A template that prints arguments as they come: made for a JSON string.
TOOLS_STRING = CHATML_TOOLS.replace("{{- call.arguments | tojson }}", "{{- call.arguments }}")

# A plain-text template whose generation prompt ends in a space: the answer's first word
# takes that space into its token.
TRAILING_SPACE = (
    "{% for m in messages %}{% if m.role == 'assistant' %}"
    "{{ 'Assistant: ' + m.content + eos_token + '\\n' }}"
    "{% else %}{{ 'User: ' + m.content + '\\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}"
)

CHATML_TOKENS = {"specials": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], "bos": None,
                 "eos": "<|im_end|>", "extra": ["<think>", "</think>", "<tool_call>", "</tool_call>"]}  # fmt: skip

FAMILIES: dict[str, dict[str, object]] = {
    "chatml": {**CHATML_TOKENS, "template": CHATML},
    "chatml-generation": {**CHATML_TOKENS, "template": CHATML_GENERATION},
    "chatml-generation-no-stop": {**CHATML_TOKENS, "template": CHATML_GENERATION_NO_STOP},
    "chatml-tools": {**CHATML_TOKENS, "template": CHATML_TOOLS},
    "tools-string": {**CHATML_TOKENS, "template": TOOLS_STRING},
    "tools-mapping": {**CHATML_TOKENS, "template": TOOLS_MAPPING},
    "qwen3": {**CHATML_TOKENS, "template": QWEN3},
    "trailing-space": {**CHATML_TOKENS, "template": TRAILING_SPACE},
    "llama3": {
        "specials": [
            "<|begin_of_text|>",
            "<|end_of_text|>",
            "<|start_header_id|>",
            "<|end_header_id|>",
            "<|eot_id|>",
        ],
        "bos": "<|begin_of_text|>",
        "eos": "<|eot_id|>",
        "template": LLAMA3,
    },
    "gemma": {
        "specials": ["<pad>", "<eos>", "<bos>", "<start_of_turn>", "<end_of_turn>"],
        "bos": "<bos>",
        "eos": "<eos>",
        "generation_eos": ["<eos>", "<end_of_turn>"],
        "template": GEMMA,
    },
}


def train_bpe(texts: list[str], specials: list[str], vocab_size: int) -> Tokenizer:
    """A byte-level BPE (as GPT-2, Llama 3 and Qwen use) trained on ``texts``: any text
    encodes, and ``specials`` are special tokens."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


def build_tokenizer(folder: Path, family: str) -> Path:
    """Write ``family``'s tiny tokenizer folder into ``folder`` (created); returns it."""
    spec = FAMILIES[family]
    folder.mkdir(parents=True, exist_ok=True)
    specials = list(spec["specials"])  # type: ignore[call-overload]
    tokenizer = train_bpe(CORPUS * 4, specials, 600)
    extra = list(spec.get("extra", []))  # type: ignore[call-overload]
    tokenizer.add_tokens([AddedToken(token, special=False) for token in extra])
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {
        "bos_token": spec["bos"],
        "eos_token": spec["eos"],
        "model_max_length": 131072,
        "chat_template": spec["template"],
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    if "generation_eos" in spec:
        ids = [tokenizer.token_to_id(token) for token in spec["generation_eos"]]  # type: ignore[attr-defined]
        generation = {"eos_token_id": ids}
        (folder / "generation_config.json").write_text(json.dumps(generation), encoding="utf-8")
    return folder


_built: dict[tuple[Path, str], Path] = {}


def tokenizer_folder(base: Path, family: str) -> Path:
    """``family``'s folder under ``base``, built once per process."""
    key = (base, family)
    if key not in _built:
        _built[key] = build_tokenizer(base / family, family)
    return _built[key]


@pytest.fixture(scope="session")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The folder of a tiny tokenizer of a family, built once per session."""
    base = tmp_path_factory.mktemp("tokenizers")
    return lambda family: tokenizer_folder(base, family)
