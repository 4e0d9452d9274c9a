"""Write the benchmark's deterministic chat dataset: 100,000 examples, about 60 MB.

Every example shares one system prompt (a few leave it out), has one to three user /
assistant turns in English or Korean, and about one in fifty calls a tool. The tool calls
are written the way the cookbook notebook can count them (a ``function`` message with a
``name`` and a JSON string result): the notebook tokenizes every value of every message and
raises ``TypeError`` on the objects of ``tool_calls`` / ``function_call``, and its full run
must go through the same file.

    python benchmarks/generate.py OUT.jsonl [--examples N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path


def words_of(text: str) -> list[str]:
    return text.split()


SYSTEM = (
    "You are a helpful, precise assistant for a travel company. Answer in the language of "
    "the question, keep answers short, and never invent prices or schedules."
)
ENGLISH = words_of(
    "the a flight hotel booking to from in on for with my your can could would please change "
    "cancel refund baggage seat window aisle morning evening tomorrow next week Seoul Busan "
    "Tokyo Paris London train ticket price policy passport visa check-in gate delay weather "
    "umbrella museum restaurant dinner reservation for two three people breakfast included "
    "late arrival airport shuttle bus taxi how much time does it take is there any option"
)
KOREAN = words_of(
    "안녕하세요 항공권 호텔 예약 변경 취소 환불 수하물 좌석 창가 통로 내일 아침 저녁 다음주 "
    "서울 부산 제주 도쿄 기차 표 가격 정책 여권 비자 체크인 탑승구 지연 날씨 우산 박물관 식당 "
    "저녁 예약 두명 세명 조식 포함 늦은 도착 공항 셔틀 버스 택시 얼마나 걸리나요 가능한가요 "
    "알려주세요 감사합니다 확인 부탁드립니다 있나요"
)
CITIES = ["Seoul", "Busan", "Jeju", "Tokyo", "Paris", "London"]


def sentence(rng: random.Random, words: list[str], low: int, high: int) -> str:
    text = " ".join(rng.choice(words) for _ in range(rng.randint(low, high)))
    return text[0].upper() + text[1:] + rng.choice([".", "?", "!"])


def example(rng: random.Random) -> dict[str, object]:
    words = KOREAN if rng.random() < 0.4 else ENGLISH
    messages: list[dict[str, str]] = []
    if rng.random() >= 0.03:
        messages.append({"role": "system", "content": SYSTEM})
    for turn in range(rng.randint(1, 3)):
        messages.append({"role": "user", "content": sentence(rng, words, 3, 12)})
        if turn == 0 and rng.random() < 0.02:
            city = rng.choice(CITIES)
            result = {"city": city, "temperature_c": rng.randint(-5, 35), "rain": rng.random()}
            messages.append({"role": "assistant", "content": f"Checking the weather in {city}."})
            messages.append(
                {"role": "function", "name": "get_weather", "content": json.dumps(result)}
            )
        answer = " ".join(sentence(rng, words, 4, 13) for _ in range(rng.randint(1, 2)))
        messages.append({"role": "assistant", "content": answer})
    return {"messages": messages}


def generate(path: Path, examples: int = 100_000, seed: int = 9) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for _ in range(examples):
            out.write(json.dumps(example(rng), ensure_ascii=False) + "\n")


def ensure_dataset(workdir: Path, examples: int) -> Path:
    """The generated dataset of ``examples`` in ``workdir``, written once."""
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"chat-{examples}.jsonl"
    if not data.exists():
        print(f"generating {data} ...", file=sys.stderr)
        partial = data.with_suffix(".partial")
        generate(partial, examples)
        partial.replace(data)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    generate(args.output, args.examples, args.seed)


if __name__ == "__main__":
    main()
