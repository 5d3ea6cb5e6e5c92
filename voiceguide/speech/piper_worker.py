"""The child-process side of the Piper engine: `python -m voiceguide.speech.piper_worker`.

Piper (onnxruntime) runs here, never in the voiceguide process: a crash in the runtime or a
damaged model stays in the child, and the parent can kill a worker that hangs. The parent writes
one JSON request on stdin:

    {"model": ".../NAME.onnx", "config": ".../NAME.onnx.json", "texts": [[index, text], ...],
     "length_scale": 1.1, "threads": 1}

and reads JSON lines on stdout, which carries nothing else:

    {"ready": "piper"}                              the voice loaded
    {"clip": index, "sample_rate": 22050, "bytes": n}   in the order given, followed by n bytes
                                                        of 16-bit little-endian mono samples
    {"error": "one line", "bad_voice": true | false}    bad_voice: the model cannot be loaded

Noise is off (noise_scale and noise_w 0): onnxruntime draws the model's noise from one generator
per session, so with noise a clip would depend on what the worker said before it. Without it a
clip depends only on its text, the voice and the pace, whatever the batch or the worker.
"""

from __future__ import annotations

import json
import os
import sys
from typing import IO, Any

# peak of every clip: sentences are put together first, so one clip has one level
PEAK = 0.9


def main() -> int:
    out: IO[bytes] = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # the runtime's or a library's chatter cannot reach the protocol
    os.close(null)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as we do)

    def send(message: dict[str, Any], payload: bytes = b"") -> None:
        out.write(json.dumps(message).encode("utf-8") + b"\n" + payload)
        out.flush()

    try:
        request = json.loads(sys.stdin.readline())
    except ValueError as error:
        send({"error": f"the Piper worker got a bad request: {error}", "bad_voice": False})
        return 1
    try:
        voice = _load(request)
    except Exception as error:  # any failure to load is one line
        send({
            "error": f'the Piper voice "{request.get("model")}" cannot be loaded '
            f"({_one_line(error)}); download the voice again",
            "bad_voice": True,
        })
        return 1
    send({"ready": "piper"})
    for index, text in request["texts"]:
        try:
            pcm = _speak(voice, text, float(request["length_scale"]))
        except Exception as error:
            send({"error": f"Piper cannot say {text[:60]!r}: {_one_line(error)}",
                  "bad_voice": False})
            return 1
        send({"clip": index, "sample_rate": voice.config.sample_rate, "bytes": len(pcm)}, pcm)
    return 0


def _load(request: dict[str, Any]) -> Any:
    import onnxruntime
    from piper import PiperConfig, PiperVoice

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = int(request["threads"])
    options.inter_op_num_threads = 1
    # threads that wait rather than spin: on a busy machine spinning threads take the cores the
    # other workers need
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    with open(request["config"], encoding="utf-8") as stream:
        config = PiperConfig.from_dict(json.load(stream))
    session = onnxruntime.InferenceSession(
        request["model"], sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(session=session, config=config)


def _speak(voice: Any, text: str, length_scale: float) -> bytes:
    import numpy as np
    from piper import SynthesisConfig

    settings = SynthesisConfig(
        length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False
    )
    # one chunk per sentence, each with the model's own pause at its end
    chunks = [chunk.audio_float_array for chunk in voice.synthesize(text, settings)]
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 1e-6:
        audio = audio * (PEAK / peak)
    samples: bytes = np.round(np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return samples


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


if __name__ == "__main__":
    sys.exit(main())
