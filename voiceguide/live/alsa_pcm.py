"""libasound through ctypes: the few calls live/alsa.py makes, and opening a PCM for them.

ctypes, not a binding library: libasound is on every Linux desktop (it is how simpleaudio plays
there too), and these twenty calls are all the sink needs.
"""

from __future__ import annotations

import ctypes

from voiceguide.errors import PlaybackError

_PLAYBACK = 0
_NONBLOCK = 1
_ACCESS_RW_INTERLEAVED = 3
_FORMAT_S16_LE = 2
STATE_PREPARED = 2
STATE_RUNNING = 3


def library() -> ctypes.CDLL:
    """libasound with the prototypes this module uses; PlaybackError when it is missing."""
    import ctypes.util

    name = ctypes.util.find_library("asound")
    if name is None:
        raise PlaybackError("libasound is not installed")
    lib = ctypes.CDLL(name)
    pointer, size, long = ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long
    unsigned_p = ctypes.POINTER(ctypes.c_uint)
    prototypes: dict[str, tuple[type, list[type]]] = {
        "snd_pcm_open": (ctypes.c_int, [ctypes.POINTER(pointer), ctypes.c_char_p, ctypes.c_int,
                                        ctypes.c_int]),
        "snd_pcm_close": (ctypes.c_int, [pointer]),
        "snd_pcm_hw_params_malloc": (ctypes.c_int, [ctypes.POINTER(pointer)]),
        "snd_pcm_hw_params_free": (None, [pointer]),  # type: ignore[dict-item]
        "snd_pcm_hw_params_any": (ctypes.c_int, [pointer, pointer]),
        "snd_pcm_hw_params_set_access": (ctypes.c_int, [pointer, pointer, ctypes.c_int]),
        "snd_pcm_hw_params_set_format": (ctypes.c_int, [pointer, pointer, ctypes.c_int]),
        "snd_pcm_hw_params_set_channels": (ctypes.c_int, [pointer, pointer, ctypes.c_uint]),
        "snd_pcm_hw_params_set_rate_resample": (ctypes.c_int, [pointer, pointer, ctypes.c_uint]),
        "snd_pcm_hw_params_set_rate_near": (ctypes.c_int, [pointer, pointer, unsigned_p,
                                                           ctypes.POINTER(ctypes.c_int)]),
        "snd_pcm_hw_params_set_buffer_time_near": (ctypes.c_int, [pointer, pointer, unsigned_p,
                                                                  ctypes.POINTER(ctypes.c_int)]),
        "snd_pcm_hw_params_set_period_time_near": (ctypes.c_int, [pointer, pointer, unsigned_p,
                                                                  ctypes.POINTER(ctypes.c_int)]),
        "snd_pcm_hw_params": (ctypes.c_int, [pointer, pointer]),
        "snd_pcm_get_params": (ctypes.c_int, [pointer, ctypes.POINTER(size),
                                              ctypes.POINTER(size)]),
        "snd_pcm_prepare": (ctypes.c_int, [pointer]),
        "snd_pcm_start": (ctypes.c_int, [pointer]),
        "snd_pcm_drop": (ctypes.c_int, [pointer]),
        "snd_pcm_state": (ctypes.c_int, [pointer]),
        "snd_pcm_avail_update": (long, [pointer]),
        "snd_pcm_writei": (long, [pointer, pointer, size]),
        "snd_pcm_recover": (ctypes.c_int, [pointer, ctypes.c_int, ctypes.c_int]),
        "snd_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    }
    for function, (result, arguments) in prototypes.items():
        symbol = getattr(lib, function)
        symbol.restype = result
        symbol.argtypes = arguments
    return lib


def open_pcm(
    lib: ctypes.CDLL,
    pcm: ctypes.c_void_p,
    device: str,
    rate: int,
    buffer_time: float,
    period_time: float,
) -> tuple[int, int]:
    """Open `device` for 16-bit mono at `rate` Hz, non-blocking, with a buffer and period near
    the times asked for; (buffer, period) in frames. PlaybackError saying what failed."""

    def check(result: int, what: str) -> None:
        if result < 0:
            message = lib.snd_strerror(result).decode(errors="replace")
            raise PlaybackError(f"{what}: {message}")

    check(lib.snd_pcm_open(ctypes.byref(pcm), device.encode(), _PLAYBACK, _NONBLOCK),
          f'cannot open "{device}"')
    params = ctypes.c_void_p()
    check(lib.snd_pcm_hw_params_malloc(ctypes.byref(params)), "out of memory")
    try:
        check(lib.snd_pcm_hw_params_any(pcm, params), "no configuration")
        check(lib.snd_pcm_hw_params_set_rate_resample(pcm, params, 1), "no resampling")
        check(lib.snd_pcm_hw_params_set_access(pcm, params, _ACCESS_RW_INTERLEAVED),
              "no interleaved access")
        check(lib.snd_pcm_hw_params_set_format(pcm, params, _FORMAT_S16_LE), "no 16-bit")
        check(lib.snd_pcm_hw_params_set_channels(pcm, params, 1), "no mono")
        actual = ctypes.c_uint(rate)
        check(lib.snd_pcm_hw_params_set_rate_near(pcm, params, ctypes.byref(actual), None),
              f"no {rate} Hz")
        if actual.value != rate:
            raise PlaybackError(f"the device offers {actual.value} Hz, not {rate}")
        buffer_us = ctypes.c_uint(round(buffer_time * 1e6))
        check(lib.snd_pcm_hw_params_set_buffer_time_near(
            pcm, params, ctypes.byref(buffer_us), None), "no buffer size")
        period_us = ctypes.c_uint(round(period_time * 1e6))
        check(lib.snd_pcm_hw_params_set_period_time_near(
            pcm, params, ctypes.byref(period_us), None), "no period size")
        check(lib.snd_pcm_hw_params(pcm, params), "cannot configure")
    finally:
        lib.snd_pcm_hw_params_free(params)
    buffer, period = ctypes.c_ulong(), ctypes.c_ulong()
    check(lib.snd_pcm_get_params(pcm, ctypes.byref(buffer), ctypes.byref(period)),
          "no parameters")
    return int(buffer.value), int(period.value)
